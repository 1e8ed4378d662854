// The join link as a QR code, drawn as SVG so it stays sharp when projected or zoomed.
import qrcode from 'qrcode-generator';

const SVG = 'http://www.w3.org/2000/svg';
/** The quiet zone the QR standard asks for, in modules; scanners fail without it. */
const QUIET = 4;

export function qrSvg(text: string, label: string): SVGSVGElement {
  // Type 0 picks the smallest version that fits; level M survives a smudged screen or a
  // compressed video frame without making the code dense.
  const qr = qrcode(0, 'M');
  qr.addData(text, 'Byte');
  qr.make();
  const n = qr.getModuleCount();
  const size = n + 2 * QUIET;
  const root = document.createElementNS(SVG, 'svg');
  root.setAttribute('viewBox', `0 0 ${size} ${size}`);
  root.setAttribute('role', 'img');
  root.setAttribute('shape-rendering', 'crispEdges');
  root.setAttribute('class', 'qr');
  const title = document.createElementNS(SVG, 'title');
  title.textContent = label;
  root.appendChild(title);
  const bg = document.createElementNS(SVG, 'rect');
  bg.setAttribute('width', String(size));
  bg.setAttribute('height', String(size));
  bg.setAttribute('fill', '#ffffff');
  root.appendChild(bg);
  // One path of unit squares: far fewer nodes than a rect per module.
  let d = '';
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      if (qr.isDark(r, c)) d += `M${c + QUIET} ${r + QUIET}h1v1h-1z`;
    }
  }
  const path = document.createElementNS(SVG, 'path');
  path.setAttribute('d', d);
  path.setAttribute('fill', '#000000');
  root.appendChild(path);
  return root;
}
