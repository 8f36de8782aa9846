/**
 * The baseline of the signaling bench: a bare socket.io relay with no authentication, no validation and no
 * database, forwarding the same events with the same payload shapes as the backend. Runs as its own process
 * (like the backend) and prints `listening <port>` once ready.
 *
 * Run: node bench/signaling/bareRelay.ts
 */
import { createServer } from 'node:http';
import { Server } from 'socket.io';
import { MAX_SOCKET_MESSAGE_BYTES } from '../../src/shared/protocol/index.ts';

type Ack = (res: { ok: true }) => void;
interface Addressed {
  callId: string;
  targetUserId: string;
}

const RELAYED = ['call:offer', 'call:answer', 'call:ice-candidate'] as const;
/** The backend's REST call-control steps, as socket events here: what the peer is told on each. */
const CONTROL = {
  'bare:initiate': 'call:incoming',
  'bare:answer': 'call:participant-joined',
  'bare:end': 'call:ended',
} as const;

const httpServer = createServer();
const io = new Server(httpServer, {
  transports: ['websocket'],
  maxHttpBufferSize: MAX_SOCKET_MESSAGE_BYTES,
  serveClient: false,
});

io.on('connection', (socket) => {
  const { userId } = socket.handshake.auth as { userId: string };
  void socket.join(userId);
  for (const event of RELAYED) {
    socket.on(event, (payload: Addressed & Record<string, unknown>, ack: Ack) => {
      const { targetUserId, ...rest } = payload;
      io.to(targetUserId).emit(event, { ...rest, fromUserId: userId });
      ack({ ok: true });
    });
  }
  for (const [event, notice] of Object.entries(CONTROL)) {
    socket.on(event, ({ callId, targetUserId }: Addressed, ack: Ack) => {
      io.to(targetUserId).emit(notice, { callId, userId });
      ack({ ok: true });
    });
  }
});

httpServer.listen(0, '127.0.0.1', () => {
  const address = httpServer.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  process.stdout.write(`listening ${address.port}\n`);
});
process.on('SIGTERM', () => {
  void io.close();
  process.exit(0);
});
