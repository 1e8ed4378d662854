// Is there an open workshop with this code? GET <base>api/workshops/CODE answers without a token:
// 200 with its title when open, 404 when not. A refused WebSocket upgrade would not say which.
import { apiUrl } from '../lib/urls';

export type ProbeResult = 'open' | 'unknown' | 'unreachable';

export async function probeWorkshop(code: string): Promise<ProbeResult> {
  try {
    const res = await fetch(apiUrl(`workshops/${encodeURIComponent(code)}`), { cache: 'no-store' });
    if (res.ok) return 'open';
    return res.status === 404 ? 'unknown' : 'unreachable';
  } catch {
    return 'unreachable';
  }
}
