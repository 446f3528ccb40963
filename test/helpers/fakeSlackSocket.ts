import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Slack's Socket Mode WebSocket, as far as smsops' client needs it: the upgrade, Slack's `hello`, answers to the
 * client's pings, envelopes sent to the client and the acks it sends back; and what goes wrong with it (`behaviour`:
 * an upgrade or a hello that never comes, Slack's `disconnect` messages, a TCP connection kept after the close). Give its `url` as `apps.connections.open`'s
 * answer on the fake Web API (`fakeSlack.handle('apps.connections.open', () => ({ url: socket.url }))`).
 */
export interface FakeSlackSocket {
  /** `ws://127.0.0.1:<port>/link/` */
  url: string;
  /** Connections accepted so far. */
  accepted(): number;
  /** Connections open now. */
  open(): number;
  /** Text frames the client sent (acks: `{ envelope_id, payload }`), parsed. */
  received: Array<Record<string, unknown>>;
  /** Close frames the client sent. */
  closeFrames(): number;
  /** How the next connections are answered (changed at any time; each connection reads it when it arrives). */
  behaviour: FakeSocketBehaviour;
  /** Sends an envelope to every open connection. */
  send(envelope: Record<string, unknown>): void;
  /** Sends a text frame as is (not JSON, or JSON of any shape) to every open connection. */
  sendRaw(text: string): void;
  /** Slack goes away: every connection is cut without a close frame. */
  dropAll(): void;
  close(): Promise<void>;
}

export interface FakeSocketBehaviour {
  /** false: the upgrade request is read and never answered (a proxy or Slack hanging). */
  answerUpgrade: boolean;
  /** false: the socket opens but Slack's `hello` never comes. */
  hello: boolean;
  /** Slack's `disconnect` message right after the hello, with this reason (link_disabled, too_many_websockets). */
  disconnectAfterHello?: string;
  /** true: the client's close frame is answered but the TCP connection is left open (Slack does this on a refresh). */
  keepTcpAfterClose: boolean;
  /** The hello's `num_connections` (Slack's count of the app token's connections); 1 unless set. */
  numConnections?: number;
}

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

function frame(opcode: number, payload: Buffer): Buffer {
  // The server's frames are unmasked; payloads here stay under 64 KiB.
  const header =
    payload.length < 126
      ? Buffer.from([0x80 | opcode, payload.length])
      : Buffer.from([0x80 | opcode, 126, payload.length >> 8, payload.length & 0xff]);
  return Buffer.concat([header, payload]);
}

/** The client's frames (masked), as they arrive; returns what is left of an incomplete one. */
function readFrames(buffer: Buffer, onFrame: (opcode: number, payload: Buffer) => void): Buffer {
  let rest = buffer;
  for (;;) {
    if (rest.length < 2) return rest;
    const opcode = (rest[0] ?? 0) & 0x0f;
    let length = (rest[1] ?? 0) & 0x7f;
    let offset = 2;
    if (length === 126) {
      if (rest.length < 4) return rest;
      length = rest.readUInt16BE(2);
      offset = 4;
    } else if (length === 127) {
      if (rest.length < 10) return rest;
      length = Number(rest.readBigUInt64BE(2));
      offset = 10;
    }
    if (rest.length < offset + 4 + length) return rest;
    const mask = rest.subarray(offset, offset + 4);
    const payload = Buffer.from(rest.subarray(offset + 4, offset + 4 + length));
    for (let i = 0; i < payload.length; i += 1) payload[i] = (payload[i] ?? 0) ^ (mask[i % 4] ?? 0);
    onFrame(opcode, payload);
    rest = rest.subarray(offset + 4 + length);
  }
}

export async function startFakeSlackSocket(): Promise<FakeSlackSocket> {
  const sockets = new Set<Socket>();
  const received: Array<Record<string, unknown>> = [];
  const behaviour: FakeSocketBehaviour = { answerUpgrade: true, hello: true, keepTcpAfterClose: false };
  const hanging = new Set<Socket>();
  let accepted = 0;
  let closeFrames = 0;
  const server = createServer((_req, res) => {
    res.writeHead(426);
    res.end();
  });
  server.on('upgrade', (req: IncomingMessage, socket: Socket) => {
    const key = req.headers['sec-websocket-key'];
    if (!behaviour.answerUpgrade) {
      hanging.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => hanging.delete(socket));
      return;
    }
    if (typeof key !== 'string') {
      socket.destroy();
      return;
    }
    const accept = createHash('sha1')
      .update(key + GUID)
      .digest('base64');
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
    );
    accepted += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => sockets.delete(socket));
    if (behaviour.hello)
      socket.write(frame(0x1, Buffer.from(JSON.stringify({ type: 'hello', num_connections: behaviour.numConnections ?? 1 }))));
    const reason = behaviour.disconnectAfterHello;
    if (reason) socket.write(frame(0x1, Buffer.from(JSON.stringify({ type: 'disconnect', reason }))));
    const keepTcp = behaviour.keepTcpAfterClose;
    let pending: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = readFrames(Buffer.concat([pending, chunk]), (opcode, payload) => {
        if (opcode === 0x9) socket.write(frame(0xa, payload));
        else if (opcode === 0x8) {
          closeFrames += 1;
          if (keepTcp) socket.write(frame(0x8, payload.subarray(0, 2)));
          else socket.end(frame(0x8, payload.subarray(0, 2)));
        } else if (opcode === 0x1) received.push(JSON.parse(payload.toString('utf8')) as Record<string, unknown>);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    url: `ws://127.0.0.1:${address.port}/link/`,
    accepted: () => accepted,
    open: () => sockets.size,
    received,
    closeFrames: () => closeFrames,
    behaviour,
    send: (envelope) => {
      for (const socket of sockets) socket.write(frame(0x1, Buffer.from(JSON.stringify(envelope))));
    },
    sendRaw: (text) => {
      for (const socket of sockets) socket.write(frame(0x1, Buffer.from(text)));
    },
    dropAll: () => {
      for (const socket of sockets) socket.destroy();
    },
    close: () => {
      for (const socket of [...sockets, ...hanging]) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
