// Is there an open workshop with this code? The server refuses the WebSocket upgrade of an
// unknown (or closed and no longer hosted) code with a plain 404, and a browser hides the status
// of a refused upgrade: it only reports a close. So: a socket that opens means the workshop is
// open; one that does not, while /livez answers, means the server is up and the code is not.

export type ProbeResult = 'open' | 'unknown' | 'unreachable';

const PROBE_TIMEOUT_MS = 8_000;

export function probeWorkshop(code: string): Promise<ProbeResult> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (r: ProbeResult) => {
      if (settled) return;
      settled = true;
      window.clearTimeout(timer);
      resolve(r);
    };
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    let ws: WebSocket;
    try {
      ws = new WebSocket(`${scheme}//${location.host}/ws?w=${encodeURIComponent(code)}`);
    } catch {
      finish('unreachable');
      return;
    }
    const timer = window.setTimeout(() => {
      ws.close();
      finish('unreachable');
    }, PROBE_TIMEOUT_MS);
    ws.onopen = () => {
      // Nothing is sent: an anonymous connection that closes at once changes nothing.
      ws.close(1000);
      finish('open');
    };
    ws.onclose = () => {
      if (settled) return;
      serverAlive().then((alive) => finish(alive ? 'unknown' : 'unreachable'));
    };
  });
}

async function serverAlive(): Promise<boolean> {
  try {
    const res = await fetch('/livez', { cache: 'no-store' });
    return res.ok;
  } catch {
    return false;
  }
}
