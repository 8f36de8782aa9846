/**
 * Ports for the servers that `npm start` and the tests run locally (Janus, coturn): one that is free now, and
 * whether something accepts connections on one. A free port can be taken between the check and its use; the
 * servers that take these fail loudly then, and the callers report it.
 */
import { createSocket } from 'node:dgram';
import { connect, createServer, isIP, type AddressInfo } from 'node:net';

/** A TCP port free on `host` now; with `udp`, free for UDP too (TURN listens on both). */
export async function findFreePort(host: string, options: { udp?: boolean } = {}): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer().once('error', reject);
      server.listen(0, host, () => {
        const { port } = server.address() as AddressInfo;
        server.close(() => resolve(port));
      });
    });
    if (!options.udp || (await udpFree(host, port))) return port;
  }
  throw new Error(`no free port on ${host}`);
}

function udpFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket(isIP(host) === 6 ? 'udp6' : 'udp4');
    socket.once('error', () => resolve(false));
    socket.bind(port, host, () => socket.close(() => resolve(true)));
  });
}

/** True when a TCP connection to host:port is accepted within timeoutMs. */
export function acceptsTcp(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, host);
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.setTimeout(timeoutMs, () => done(false));
  });
}
