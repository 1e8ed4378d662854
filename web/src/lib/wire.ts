// The browser's end of the wire: one WebSocket to <base>ws?w=CODE carrying binary frames, each one
// protobuf envelope (dyad.v1.ClientMessage up, dyad.v1.ServerMessage down).
//
// What a page gets from a Connection:
// - it connects, and on every (re)connect first sends the page's greeting (Join, Resume or
//   AttachFacilitator) and hands the answer (a snapshot) to onGreeted before anything else;
// - it reconnects by itself with capped, jittered backoff after a drop, when the browser says it
//   is back online, and when a heartbeat goes unanswered (a dead Wi-Fi link often looks open);
// - request() sends one request and resolves with its answer or rejects with a WireError that
//   carries the server's code and sentence; requests made while disconnected wait and are sent
//   after the next greeting (so "we're done" pressed in a tunnel still arrives); a request that
//   was on the wire when the connection dropped is sent again only if repeating it is harmless,
//   and otherwise rejected with a sentence asking the user to check before trying again;
// - serverNow() is Date.now() corrected by the offset measured with Ping/Pong (of the recent
//   samples, the one with the smallest round trip wins), so every countdown agrees with the
//   server's clock.
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import {
  ClientMessageSchema,
  ErrorCode,
  ServerMessageSchema,
  type ClientMessage,
  type ServerMessage,
} from '@gen/dyad/v1/wire_pb';
import { wsUrl } from './urls';

export type ClientKind = ClientMessage['kind'];
export type ServerKind = ServerMessage['kind'];

export type ConnectionState =
  | { kind: 'connecting'; attempt: number }
  | { kind: 'online' }
  | { kind: 'waiting'; retryAtMs: number; reason: string }
  | { kind: 'offline' }
  | { kind: 'stopped'; reason: string };

export class WireError extends Error {
  constructor(readonly code: ErrorCode, message: string) {
    super(message);
    this.name = 'WireError';
  }
}

export interface ConnectionOptions {
  /** The workshop code, as in the page's URL. */
  code: string;
  /** The first request on every connection; its answer goes to onGreeted. */
  greeting: () => ClientKind;
  onGreeted: (answer: ServerMessage) => void;
  /** A greeting refused: the page decides whether to retry (return true) or stop. */
  onGreetingRefused: (error: WireError) => boolean;
  /** Every event the server sends on its own (request id 0). */
  onEvent: (event: ServerMessage) => void;
  onState: (state: ConnectionState) => void;
  /** For tests and odd deployments; defaults to <base>ws?w=CODE (urls.ts). */
  url?: string;
}

interface Pending {
  kind: ClientKind;
  resolve: (m: ServerMessage) => void;
  reject: (e: Error) => void;
}

const HEARTBEAT_MS = 10_000;
const HEARTBEAT_TIMEOUT_MS = 8_000;
const BACKOFF_BASE_MS = 500;
const BACKOFF_CAP_MS = 15_000;
/** Clock samples kept: enough to ride out a slow ping, few enough to follow a clock that jumped. */
const OFFSET_SAMPLES = 6;

/** Requests the server may see twice without harm: states (done, help, away, left), feedback
 *  with its submission id, and a preview that changes nothing. Anything else (extend the clock,
 *  next phase, a broadcast, a launch) could happen twice, so it is not repeated blindly. */
const SAFE_TO_REPEAT: ReadonlySet<ClientKind['case']> = new Set<ClientKind['case']>([
  'done', 'help', 'setAway', 'leave', 'submitFeedback', 'markAway', 'previewRound',
]);

const UNCONFIRMED =
  'The connection dropped before the server confirmed this. Check whether it took effect before trying again.';

export class Connection {
  private ws: WebSocket | null = null;
  private nextId = 1n;
  private greeted = false;
  private attempt = 0;
  private stopped = false;
  private retryTimer: number | undefined;
  private heartbeatTimer: number | undefined;
  private heartbeatDeadline: number | undefined;
  private readonly inFlight = new Map<bigint, Pending>();
  private readonly queue: Pending[] = [];
  private offsetMs = 0;
  private offsetSamples: { rttMs: number; offsetMs: number }[] = [];

  private readonly onOnline = () => this.reconnectNow();
  private readonly onOffline = () => this.drop('The browser went offline.');
  // Back in front: a background tab's timers are throttled, so check the link (or reconnect) now.
  private readonly onVisible = () => {
    if (document.visibilityState !== 'visible') return;
    if (this.online) this.heartbeat();
    else this.reconnectNow();
  };

  constructor(private readonly options: ConnectionOptions) {
    window.addEventListener('online', this.onOnline);
    window.addEventListener('offline', this.onOffline);
    document.addEventListener('visibilitychange', this.onVisible);
  }

  start(): void {
    this.connect();
  }

  /** Stops for good (left the workshop, or the link is wrong): no more reconnects. */
  stop(reason: string): void {
    this.stopped = true;
    window.removeEventListener('online', this.onOnline);
    window.removeEventListener('offline', this.onOffline);
    document.removeEventListener('visibilitychange', this.onVisible);
    window.clearTimeout(this.retryTimer);
    window.clearTimeout(this.heartbeatTimer);
    window.clearTimeout(this.heartbeatDeadline);
    this.ws?.close(1000);
    this.ws = null;
    for (const p of [...this.inFlight.values(), ...this.queue]) p.reject(new Error(reason));
    this.inFlight.clear();
    this.queue.length = 0;
    this.options.onState({ kind: 'stopped', reason });
  }

  get online(): boolean {
    return this.greeted && this.ws?.readyState === WebSocket.OPEN;
  }

  /** The server's clock now, as best this page knows it (ms since the epoch). */
  serverNow(): number {
    return Date.now() + this.offsetMs;
  }

  /** Sends a request now, or after the next greeting when disconnected. */
  request(kind: ClientKind): Promise<ServerMessage> {
    return new Promise((resolve, reject) => {
      const p: Pending = { kind, resolve, reject };
      if (this.online) this.send(p);
      else this.queue.push(p);
    });
  }

  /** Reconnects at once (the user pressed "retry now", or the network came back). */
  reconnectNow(): void {
    if (this.stopped) return;
    if (this.ws && this.ws.readyState <= WebSocket.OPEN && this.greeted) return;
    window.clearTimeout(this.retryTimer);
    this.attempt = 0;
    if (!this.ws || this.ws.readyState >= WebSocket.CLOSING) this.connect();
  }

  private url(): string {
    return this.options.url || wsUrl(this.options.code);
  }

  private connect(): void {
    if (this.stopped) return;
    if (!navigator.onLine) {
      this.options.onState({ kind: 'offline' });
      return;
    }
    this.attempt += 1;
    this.greeted = false;
    this.options.onState({ kind: 'connecting', attempt: this.attempt });
    let ws: WebSocket;
    try {
      ws = new WebSocket(this.url());
    } catch (e) {
      this.scheduleRetry(`Cannot open a connection: ${(e as Error).message}`);
      return;
    }
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    ws.onopen = () => this.greet(ws);
    ws.onmessage = (ev) => this.receive(ws, ev.data);
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.afterDrop(ev.reason || 'The connection to the server closed.');
    };
    ws.onerror = () => {
      /* onclose follows and decides */
    };
  }

  private greet(ws: WebSocket): void {
    const p: Pending = {
      kind: this.options.greeting(),
      resolve: (answer) => {
        if (this.ws !== ws) return;
        // Only a snapshot lets a page draw itself; anything else is a server this page does not
        // know, and waiting would leave the page blank behind a "Connected".
        if (answer.kind.case !== 'participantSnapshot' && answer.kind.case !== 'facilitatorSnapshot') {
          p.reject(new WireError(ErrorCode.UNSPECIFIED, 'The server answered in a way this page does not understand; reload the page.'));
          return;
        }
        this.greeted = true;
        this.attempt = 0;
        // A new link (and perhaps a device clock that jumped while asleep): measure afresh.
        this.offsetSamples = [];
        this.options.onGreeted(answer);
        if (this.stopped) return; // the page stopped it on seeing the snapshot
        this.options.onState({ kind: 'online' });
        this.heartbeat();
        // What waited for the connection goes out now, oldest first.
        for (const q of this.queue.splice(0)) this.send(q);
      },
      reject: (e) => {
        if (this.ws !== ws) return;
        if (e instanceof WireError && !this.options.onGreetingRefused(e)) {
          this.stop(e.message);
          return;
        }
        this.drop(e.message);
      },
    };
    this.send(p, ws);
  }

  private send(p: Pending, ws: WebSocket | null = this.ws): void {
    if (!ws || ws.readyState !== WebSocket.OPEN) {
      this.queue.push(p);
      return;
    }
    const id = this.nextId++;
    const msg = create(ClientMessageSchema, { requestId: id, kind: p.kind });
    this.inFlight.set(id, p);
    ws.send(toBinary(ClientMessageSchema, msg));
  }

  private receive(ws: WebSocket, data: unknown): void {
    if (this.ws !== ws || !(data instanceof ArrayBuffer)) return;
    let msg: ServerMessage;
    try {
      msg = fromBinary(ServerMessageSchema, new Uint8Array(data));
    } catch {
      return; // Not ours to understand; the server only sends envelopes.
    }
    if (msg.requestId === 0n) {
      if (msg.kind.case === 'goodbye') {
        this.options.onEvent(msg);
        return;
      }
      if (this.greeted) this.options.onEvent(msg);
      return;
    }
    const p = this.inFlight.get(msg.requestId);
    if (!p) return;
    this.inFlight.delete(msg.requestId);
    if (msg.kind.case === 'error') p.reject(new WireError(msg.kind.value.code, msg.kind.value.message));
    else p.resolve(msg);
  }

  private afterDrop(reason: string): void {
    window.clearTimeout(this.heartbeatTimer);
    window.clearTimeout(this.heartbeatDeadline);
    this.greeted = false;
    // Requests already on the wire get no answer from this connection, and the server may or
    // may not have acted on them. Those that are safe to repeat go out again after the next
    // greeting, in the order they were made and ahead of anything queued since; the others are
    // refused here rather than perhaps done twice.
    const unanswered = [...this.inFlight.values()];
    this.inFlight.clear();
    const resend: Pending[] = [];
    for (const p of unanswered) {
      if (isGreeting(p.kind)) continue;
      if (p.kind.case === 'ping') p.reject(new Error('dropped'));
      else if (!SAFE_TO_REPEAT.has(p.kind.case)) p.reject(new Error(UNCONFIRMED));
      else resend.push(p);
    }
    this.queue.unshift(...resend);
    if (this.stopped) return;
    if (!navigator.onLine) {
      this.options.onState({ kind: 'offline' });
      return;
    }
    this.scheduleRetry(reason);
  }

  private scheduleRetry(reason: string): void {
    const exp = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.min(this.attempt, 8));
    const delay = Math.round(exp / 2 + Math.random() * (exp / 2));
    const retryAtMs = Date.now() + delay;
    this.options.onState({ kind: 'waiting', retryAtMs, reason });
    window.clearTimeout(this.retryTimer);
    this.retryTimer = window.setTimeout(() => this.connect(), delay);
  }

  /** Closes the current socket (if any) as dead and lets the backoff take over. */
  private drop(reason: string): void {
    if (this.stopped) return;
    const ws = this.ws;
    if (!ws) {
      if (!navigator.onLine) this.options.onState({ kind: 'offline' });
      return;
    }
    this.ws = null;
    ws.onclose = null;
    ws.close();
    this.afterDrop(reason);
  }

  /** Uses the offset of the recent sample with the shortest round trip. Only recent ones count,
   *  so a new network path or a device clock that was corrected is followed within a minute.
   *  The server stamps its answer between send and receive. */
  private measureOffset(sentAt: number, receivedAt: number, serverMs: number): void {
    if (serverMs <= 0) return;
    this.offsetSamples.push({ rttMs: receivedAt - sentAt, offsetMs: serverMs - (sentAt + receivedAt) / 2 });
    if (this.offsetSamples.length > OFFSET_SAMPLES) this.offsetSamples.shift();
    const best = this.offsetSamples.reduce((a, b) => (b.rttMs < a.rttMs ? b : a));
    this.offsetMs = best.offsetMs;
  }

  /** Pings now and then; an unanswered ping means the link is dead even if the socket looks open. */
  private heartbeat(): void {
    window.clearTimeout(this.heartbeatTimer);
    if (!this.online) return;
    const ws = this.ws;
    window.clearTimeout(this.heartbeatDeadline);
    // Each ping clears only its own deadline: a late answer to an earlier ping must not cancel
    // the watch over this one.
    const deadline = window.setTimeout(() => {
      if (this.ws === ws) this.drop('The server stopped answering.');
    }, HEARTBEAT_TIMEOUT_MS);
    this.heartbeatDeadline = deadline;
    const sentAt = Date.now();
    this.request({ case: 'ping', value: { $typeName: 'dyad.v1.Ping', clientMs: BigInt(sentAt) } })
      .then((answer) => {
        window.clearTimeout(deadline);
        this.measureOffset(sentAt, Date.now(), Number(answer.serverMs));
      })
      .catch(() => {});
    this.heartbeatTimer = window.setTimeout(() => this.heartbeat(), HEARTBEAT_MS);
  }
}

function isGreeting(kind: ClientKind): boolean {
  return kind.case === 'join' || kind.case === 'resume' || kind.case === 'attach';
}
