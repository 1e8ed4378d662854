// Where the app lives, and every address a page makes from it. Dyad may be served under a path
// prefix behind a reverse proxy (https://example.org/dyad/…), so no page may use an absolute
// path such as /api/… or /j/CODE: each is resolved against the app's base URL instead.
//
// Every page's bundle is served from <base>assets/<page>.js (esbuild keeps import.meta.url in
// its ESM output), so the base is the folder above the script's own address, whatever the page's
// own depth (<base>, <base>j/CODE, <base>f/CODE, <base>r/CODE).

/** The app's base URL, ending in "/": e.g. https://example.org/dyad/ or http://127.0.0.1:8080/. */
export const BASE: URL = new URL('../', import.meta.url);

/** An address inside the app, absolute: appUrl('api/workshops/X') → <base>api/workshops/X.
 *  Leading slashes are dropped, so a path never escapes the prefix. */
export function appUrl(path: string): string {
  return new URL(path.replace(/^\/+/, ''), BASE).href;
}

/** The front page. */
export function homeUrl(): string {
  return BASE.href;
}

/** The sign-in page for organisers and facilitators; `next` (a path inside the app, such as
 *  "people") is where it goes after. */
export function signInUrl(next = ''): string {
  return next ? `${appUrl('signin')}?next=${encodeURIComponent(next)}` : appUrl('signin');
}

/** The organisers' page of the people who sign in. */
export function peopleUrl(): string {
  return appUrl('people');
}

/** A participant's join page: <base>j/CODE. */
export function joinUrl(code: string): string {
  return appUrl(`j/${encodeURIComponent(code)}`);
}

/** The organisers' and facilitators' workspace: runs, the plan library, personal data. */
export function workspaceUrl(): string {
  return appUrl('workspace');
}

/** A plan of the library in the plan editor: <base>plans/ID. */
export function planUrl(planId: string): string {
  return appUrl(`plans/${encodeURIComponent(planId)}`);
}

/** The facilitator's dashboard without a token: <base>f/CODE, opened by the signed-in person's
 *  session (the server lets in organisers and those given access to the run). */
export function dashboardUrl(code: string): string {
  return appUrl(`f/${encodeURIComponent(code)}`);
}

/** The organiser's report, with the token in the fragment only (never sent to any server); with
 *  no token, the plain address, which the signed-in person's session opens. `series` opens the
 *  view of every run of the series. */
export function reportUrl(code: string, token: string, series = false): string {
  const parts = [token ? `t=${encodeURIComponent(token)}` : '', series ? 'view=series' : ''].filter(Boolean);
  return `${appUrl(`r/${encodeURIComponent(code)}`)}${parts.length ? `#${parts.join('&')}` : ''}`;
}

/** An HTTP API path under <base>api/: apiUrl(`workshops/${code}/statistics?format=csv`). */
export function apiUrl(path: string): string {
  return appUrl(`api/${path.replace(/^\/+/, '')}`);
}

/** The WebSocket of a workshop: <base>ws?w=CODE, over wss: when the app is served over https:. */
export function wsUrl(code: string): string {
  const url = new URL(`ws?w=${encodeURIComponent(code)}`, BASE);
  url.protocol = BASE.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.href;
}

/** The workshop code of a page at <base>j/CODE, <base>f/CODE or <base>r/CODE; '' when the
 *  address has none. Read relative to the base, so a prefix never passes for a code. */
export function codeFromPath(): string {
  const path = location.pathname;
  if (!path.startsWith(BASE.pathname)) return '';
  const [page, code] = path.slice(BASE.pathname.length).split('/');
  if (page !== 'j' && page !== 'f' && page !== 'r') return '';
  try {
    return decodeURIComponent(code ?? '').trim().toUpperCase();
  } catch {
    return ''; // a malformed %-escape is no code
  }
}

/** How a person would type the app's address: host and path prefix, without the scheme or a
 *  trailing slash, e.g. "dyad.example.org/dyad" (or "dyad.example.org" at the root), taken from
 *  a join link <base>j/CODE; the link itself when it is not one. (A proxy that serves Dyad under
 *  /dyad/ answers /dyad with a redirect to /dyad/, as nginx does for a location /dyad/.) */
export function typedAddress(joinLink: string): string {
  let url: URL;
  try {
    url = new URL(joinLink);
  } catch {
    return joinLink;
  }
  const prefix = url.pathname.replace(/j\/[^/]*\/?$/, '').replace(/\/+$/, '');
  return `${url.host}${prefix}`;
}
