// The load benchmark's peer: Dyad's wire protocol served by Node.js and the npm `ws` package,
// written as ws's own documentation writes a server — one WebSocketServer, a message handler per
// connection, and a broadcast that loops over `wss.clients` and sends to each open one. State is
// kept in memory (no store). It answers what `dyad bench` asks: Join and Resume with a
// ParticipantSnapshot, AttachFacilitator with a FacilitatorSnapshot, Ping with a Pong,
// Broadcast with an Ack to the sender and a BroadcastMessage to everyone else, OpenFeedback with
// an Ack and a FeedbackState to everyone else, SubmitFeedback with an Ack; anything else an Ack.
//
// The protobuf code is generated from ../../proto as the pages' build does (protoc with
// protoc-gen-es from web/node_modules), into web/.gen/ws-peer, at each start.
//
// Usage: node client/bench/ws_peer.mjs [--port N] [--bind ADDR] [--facilitator-token T]
// Prints "listening on ADDR:PORT" once it accepts connections.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const web = join(root, 'web');

function option(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}
const port = Number(option('--port', '0'));
const bind = option('--bind', '127.0.0.1');
const facilitatorToken = option('--facilitator-token', 'bench-facilitator-token');

// Generated under web/ so that its imports of @bufbuild/protobuf resolve to web/node_modules;
// afresh at every start (a fraction of a second), so that it follows the .proto files.
const gen = join(web, '.gen', 'ws-peer');
{
  rmSync(gen, { recursive: true, force: true });
  mkdirSync(gen, { recursive: true });
  const protoRoot = join(root, 'proto');
  execFileSync('protoc', [
    `-I${protoRoot}`,
    `--plugin=protoc-gen-es=${join(web, 'node_modules', '.bin', 'protoc-gen-es')}`,
    `--es_out=${gen}`,
    '--es_opt=target=js,import_extension=js',
    ...['events', 'feedback', 'plan', 'wire'].map((f) => join(protoRoot, 'dyad', 'v1', `${f}.proto`)),
  ], { stdio: 'inherit' });
  writeFileSync(join(gen, 'runtime.js'), 'export * from "@bufbuild/protobuf";\n');
}
const { create, fromBinary, toBinary } = await import(pathToFileURL(join(gen, 'runtime.js')).href);
const { ClientMessageSchema, ServerMessageSchema, ErrorCode } = await import(
  pathToFileURL(join(gen, 'dyad', 'v1', 'wire_pb.js')).href);
const { WebSocketServer, WebSocket } = createRequire(join(web, 'package.json'))('ws');

// The workshop, in memory.
const idsByToken = new Map();
const submissions = new Set();
let feedbackOpen = false;
let nextId = 1;

function encode(requestId, kind) {
  return toBinary(ServerMessageSchema, create(ServerMessageSchema, {
    requestId, serverMs: BigInt(Date.now()), kind,
  }));
}

const wss = new WebSocketServer({ host: bind, port, maxPayload: 64 * 1024 });

function broadcast(sender, data) {
  wss.clients.forEach((client) => {
    if (client !== sender && client.readyState === WebSocket.OPEN) client.send(data, { binary: true });
  });
}

function snapshot(token, shownName) {
  return {
    case: 'participantSnapshot',
    value: { participantId: idsByToken.get(token), resumeToken: token, shownName, feedback: { open: feedbackOpen } },
  };
}

function error(code) {
  return { case: 'error', value: { code } };
}

wss.on('connection', (ws) => {
  let facilitator = false;
  ws.on('error', () => {});
  ws.on('message', (data, isBinary) => {
    let message;
    try {
      message = fromBinary(ClientMessageSchema, isBinary ? data : Buffer.from(data));
    } catch {
      ws.send(encode(0n, error(ErrorCode.MALFORMED)));
      return;
    }
    const id = message.requestId;
    const { case: kind, value } = message.kind;
    switch (kind) {
      case 'join': {
        const token = value.resumeToken || randomBytes(16).toString('base64url');
        if (!idsByToken.has(token)) idsByToken.set(token, `p${nextId++}`);
        ws.send(encode(id, snapshot(token, value.displayName)));
        return;
      }
      case 'resume':
        ws.send(encode(id, idsByToken.has(value.resumeToken) ? snapshot(value.resumeToken, '') : error(ErrorCode.NOT_FOUND)));
        return;
      case 'attach':
        if (value.facilitatorToken !== facilitatorToken) {
          ws.send(encode(id, error(ErrorCode.UNAUTHORIZED)));
          return;
        }
        facilitator = true;
        ws.send(encode(id, { case: 'facilitatorSnapshot', value: { code: 'BENCH' } }));
        return;
      case 'ping':
        ws.send(encode(id, { case: 'pong', value: { clientMs: value.clientMs } }));
        return;
      case 'broadcast':
        if (!facilitator) break;
        ws.send(encode(id, { case: 'ack', value: {} }));
        broadcast(ws, encode(0n, { case: 'broadcast', value: { text: value.text, sentMs: BigInt(Date.now()) } }));
        return;
      case 'openFeedback':
        if (!facilitator) break;
        feedbackOpen = true;
        ws.send(encode(id, { case: 'ack', value: {} }));
        broadcast(ws, encode(0n, { case: 'feedback', value: { open: true } }));
        return;
      case 'submitFeedback':
        if (!feedbackOpen) {
          ws.send(encode(id, error(ErrorCode.WRONG_STATE)));
          return;
        }
        submissions.add(value.submissionId);
        ws.send(encode(id, { case: 'ack', value: {} }));
        return;
      default:
        ws.send(encode(id, { case: 'ack', value: {} }));
        return;
    }
    ws.send(encode(id, error(ErrorCode.FORBIDDEN)));
  });
});

wss.on('listening', () => {
  const address = wss.address();
  console.log(`listening on ${address.address}:${address.port}`);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(0));
