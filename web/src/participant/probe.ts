// Is there an open workshop with this code? GET <base>api/workshops/CODE answers without a token:
// 200 with {"open": true} and its title when open, 200 with {"open": false} when it has closed,
// 404 when there never was one. A refused WebSocket upgrade would not say which.
import { apiUrl } from '../lib/urls';

export type ProbeResult = 'open' | 'closed' | 'unknown' | 'unreachable';

export async function probeWorkshop(code: string): Promise<ProbeResult> {
  try {
    const res = await fetch(apiUrl(`workshops/${encodeURIComponent(code)}`), { cache: 'no-store' });
    if (res.ok) {
      const body: unknown = await res.json().catch(() => ({}));
      return (body as { open?: boolean }).open === true ? 'open' : 'closed';
    }
    return res.status === 404 ? 'unknown' : 'unreachable';
  } catch {
    return 'unreachable';
  }
}
