// What the participant page keeps on the device, per workshop code. localStorage can throw
// (private browsing, storage full, disabled by policy); the page then still works, it just
// forgets across reloads, so every access goes through these guarded helpers.

export interface OutboxEntry {
  submissionId: string;
  /** The FeedbackResponse in protobuf's JSON mapping (toJson), so it survives a reload. */
  response: unknown;
}

// The memory copy answers when localStorage cannot: the page then still works until a reload.
const memory = new Map<string, string>();

function read(key: string): string | null {
  try {
    const stored = window.localStorage.getItem(key);
    if (stored !== null) return stored;
  } catch {
    /* fall back to memory */
  }
  return memory.get(key) ?? null;
}

function write(key: string, value: string | null): void {
  if (value === null) memory.delete(key);
  else memory.set(key, value);
  try {
    if (value === null) window.localStorage.removeItem(key);
    else window.localStorage.setItem(key, value);
  } catch {
    /* Kept in memory only. */
  }
}

export class DeviceStore {
  constructor(private readonly code: string) {}

  get resumeToken(): string {
    return read(`dyad:resume:${this.code}`) ?? '';
  }

  set resumeToken(token: string) {
    write(`dyad:resume:${this.code}`, token || null);
  }

  /** The token sent with a Join whose answer has not arrived yet: kept so that the Join can be
   *  sent again, or tried as a Resume after a reload, without adding this person twice. */
  get joinToken(): string {
    return read(`dyad:join:${this.code}`) ?? '';
  }

  set joinToken(token: string) {
    write(`dyad:join:${this.code}`, token || null);
  }

  /** The feedback waiting to be acknowledged, if any. */
  get outbox(): OutboxEntry | null {
    const raw = read(`dyad:outbox:${this.code}`);
    if (!raw) return null;
    try {
      const parsed = JSON.parse(raw) as Partial<OutboxEntry>;
      if (typeof parsed.submissionId === 'string' && parsed.submissionId && parsed.response !== undefined) {
        return { submissionId: parsed.submissionId, response: parsed.response };
      }
    } catch {
      /* A damaged entry cannot be sent; drop it below. */
    }
    write(`dyad:outbox:${this.code}`, null);
    return null;
  }

  set outbox(entry: OutboxEntry | null) {
    write(`dyad:outbox:${this.code}`, entry ? JSON.stringify(entry) : null);
  }

  /** sent_ms of the broadcast the participant dismissed, so a reload does not bring it back. */
  get dismissedBroadcast(): number {
    return Number(read(`dyad:dismissed:${this.code}`) ?? '0') || 0;
  }

  set dismissedBroadcast(sentMs: number) {
    write(`dyad:dismissed:${this.code}`, String(sentMs));
  }

  /** What this participant already told the facilitator in a round (the server does not send
   *  group statuses to participants, so after a reload only the device knows). */
  roundFlags(round: number): { done: boolean; help: boolean } {
    try {
      const parsed = JSON.parse(read(`dyad:round:${this.code}`) ?? 'null') as { round?: number; done?: boolean; help?: boolean } | null;
      if (parsed && parsed.round === round) return { done: !!parsed.done, help: !!parsed.help };
    } catch {
      /* fall through */
    }
    return { done: false, help: false };
  }

  setRoundFlag(round: number, flag: 'done' | 'help'): void {
    const flags = { round, ...this.roundFlags(round), [flag]: true };
    write(`dyad:round:${this.code}`, JSON.stringify(flags));
  }
}

/** A random id for a feedback form. crypto.randomUUID exists only on secure origins (https,
 *  localhost); a workshop served over plain http on a LAN still needs an id, and
 *  getRandomValues is available everywhere. */
export function newSubmissionId(): string {
  if (typeof crypto.randomUUID === 'function') {
    try {
      return crypto.randomUUID();
    } catch {
      /* fall through */
    }
  }
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A secret to resume with: 128 random bits as 22 URL-safe characters. */
export function newResumeToken(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...b)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
