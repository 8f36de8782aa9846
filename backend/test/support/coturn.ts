/**
 * Test support for the real coturn: start a throwaway `turnserver` on loopback, and a minimal STUN/TURN client
 * (RFC 8489 / RFC 8656 over UDP, long-term credentials) to ask it what a browser would ask.
 *
 * The server runs the production config (backend/coturn/turnserver.conf) with only the local overrides of
 * deriveLocalCoturnConfig, so the tests exercise the hardening that ships.
 */
import { spawnSync } from 'node:child_process';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acceptsTcp, findFreePort } from '../../scripts/ports.ts';
import { deriveLocalCoturnConfig, readProductionCoturnConfig } from '../../src/turn/coturnConfig.ts';
import { startTestDaemon } from './daemon.ts';

export interface RunningCoturn {
  host: string;
  port: number;
  realm: string;
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';
const READY_TIMEOUT_MS = 15_000;

/** True when coturn's `turnserver` is on PATH. Tests skip without it, except under CI=true where they fail. */
export function isCoturnInstalled(): boolean {
  return spawnSync('turnserver', ['--version'], { stdio: 'ignore' }).error === undefined;
}

/** `host` is loopback unless a test network needs the relay on one of its addresses (e2e/support/natLab.ts). */
export async function startCoturn(options: {
  secret: string;
  realm?: string;
  host?: string;
}): Promise<RunningCoturn> {
  const host = options.host ?? HOST;
  if (!isCoturnInstalled()) {
    throw new Error('coturn is not installed: `turnserver` is not on PATH (apt-get install coturn)');
  }
  const realm = options.realm ?? 'callbridge.test';
  const workDir = await mkdtemp(join(tmpdir(), 'callbridge-coturn-'));
  const port = await findFreePort(host, { udp: true });
  const configPath = join(workDir, 'turnserver.conf');
  const config = deriveLocalCoturnConfig(await readProductionCoturnConfig(), {
    listenIp: host,
    port,
    secret: options.secret,
    realm,
    workDir,
  });
  await writeFile(configPath, config, { mode: 0o600 });

  const daemon = await startTestDaemon({
    name: `coturn on ${host}:${port}`,
    command: 'turnserver',
    args: ['-c', configPath],
    workDir,
    ready: () => answersStunAndTcp(host, port),
    readyTimeoutMs: READY_TIMEOUT_MS,
  });
  return { host, port, realm, stop: daemon.stop };
}

/**
 * coturn answers STUN Binding once its UDP listener is up; until then the request times out. Its TCP listener
 * (turn:...?transport=tcp) opens alongside; checked too, for callers that relay over TCP.
 */
async function answersStunAndTcp(host: string, port: number): Promise<boolean> {
  const client = await TurnClient.open({ address: host, port });
  try {
    await client.binding(250);
    return await acceptsTcp(host, port);
  } finally {
    client.close();
  }
}

// ---------------------------------------------------------------------------------------------------------
// STUN/TURN client
// ---------------------------------------------------------------------------------------------------------

const MAGIC_COOKIE = 0x2112a442;
const HEADER_BYTES = 20;
const METHOD = { binding: 0x001, allocate: 0x003, createPermission: 0x008, send: 0x006, data: 0x007 };
const CLASS_INDICATION = 0x010;
const CLASS_SUCCESS = 0x100;
const CLASS_ERROR = 0x110;
const ATTR = {
  username: 0x0006,
  messageIntegrity: 0x0008,
  errorCode: 0x0009,
  xorPeerAddress: 0x0012,
  data: 0x0013,
  realm: 0x0014,
  nonce: 0x0015,
  xorRelayedAddress: 0x0016,
  requestedTransport: 0x0019,
  xorMappedAddress: 0x0020,
};
const UDP_PROTOCOL_NUMBER = 17;

export interface TransportAddress {
  address: string;
  port: number;
}

/** What coturn answered: success, or the STUN error code (401 unauthenticated, 403 forbidden peer...). */
export type TurnAnswer<T> = { ok: true; value: T } | { ok: false; errorCode: number; reason: string };

interface StunMessage {
  type: number;
  transactionId: Buffer;
  attributes: Map<number, Buffer>;
}

interface LongTermAuth {
  username: string;
  realm: string;
  nonce: Buffer;
  key: Buffer;
}

export class TurnClient {
  readonly #socket: Socket;
  readonly #server: TransportAddress;
  readonly #pending = new Map<string, (message: StunMessage) => void>();
  readonly #dataListeners = new Set<(from: TransportAddress, data: Buffer) => void>();
  #auth: LongTermAuth | null = null;

  private constructor(socket: Socket, server: TransportAddress) {
    this.#socket = socket;
    this.#server = server;
    socket.on('message', (packet) => this.#receive(packet));
  }

  static async open(server: TransportAddress): Promise<TurnClient> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, HOST, resolve));
    return new TurnClient(socket, server);
  }

  close(): void {
    this.#socket.close();
  }

  /** STUN Binding: the client's address as the server sees it (server-reflexive). */
  async binding(timeoutMs = 2000): Promise<TransportAddress> {
    const answer = await this.#request(METHOD.binding, [], timeoutMs);
    return decodeXorAddress(required(answer, ATTR.xorMappedAddress));
  }

  /**
   * TURN Allocate with long-term credentials: the first, unsigned request earns a 401 carrying the realm and
   * nonce (RFC 8656 section 7.2); the second is signed with MESSAGE-INTEGRITY over those.
   */
  async allocate(credentials: { username: string; password: string }): Promise<TurnAnswer<TransportAddress>> {
    const requestedTransport = Buffer.from([UDP_PROTOCOL_NUMBER, 0, 0, 0]);
    const challenge = await this.#request(METHOD.allocate, [[ATTR.requestedTransport, requestedTransport]]);
    const unsigned = errorOf(challenge);
    if (unsigned?.errorCode !== 401) {
      throw new Error(`expected a 401 challenge to an unsigned Allocate, got ${JSON.stringify(unsigned)}`);
    }
    const realm = required(challenge, ATTR.realm).toString();
    this.#auth = {
      username: credentials.username,
      realm,
      nonce: required(challenge, ATTR.nonce),
      key: createHash('md5').update(`${credentials.username}:${realm}:${credentials.password}`).digest(),
    };
    const answer = await this.#signedRequest(METHOD.allocate, [
      [ATTR.requestedTransport, requestedTransport],
    ]);
    const error = errorOf(answer);
    if (error) return { ok: false, ...error };
    return { ok: true, value: decodeXorAddress(required(answer, ATTR.xorRelayedAddress)) };
  }

  /** Lets `peer` talk through the allocation; coturn refuses denied peer ranges with 403. */
  async createPermission(peer: TransportAddress): Promise<TurnAnswer<null>> {
    const answer = await this.#signedRequest(METHOD.createPermission, [
      [ATTR.xorPeerAddress, encodeXorAddress(peer)],
    ]);
    const error = errorOf(answer);
    return error ? { ok: false, ...error } : { ok: true, value: null };
  }

  /** Send indication: coturn relays `data` to `peer` from the relayed address. */
  sendToPeer(peer: TransportAddress, data: Buffer): void {
    this.#socket.send(
      encodeMessage(METHOD.send | CLASS_INDICATION, randomBytes(12), [
        [ATTR.xorPeerAddress, encodeXorAddress(peer)],
        [ATTR.data, data],
      ]),
      this.#server.port,
      this.#server.address,
    );
  }

  /** Resolves with the next Data indication: a packet a peer sent to the relayed address. */
  nextDataFromPeer(): Promise<{ from: TransportAddress; data: Buffer }> {
    return new Promise((resolve) => {
      const listener = (from: TransportAddress, data: Buffer): void => {
        this.#dataListeners.delete(listener);
        resolve({ from, data });
      };
      this.#dataListeners.add(listener);
    });
  }

  async #signedRequest(method: number, attributes: Array<[number, Buffer]>): Promise<StunMessage> {
    const auth = this.#auth;
    if (!auth) throw new Error('allocate first: a signed request needs the realm and nonce of a challenge');
    return this.#request(
      method,
      [
        ...attributes,
        [ATTR.username, Buffer.from(auth.username)],
        [ATTR.realm, Buffer.from(auth.realm)],
        [ATTR.nonce, auth.nonce],
      ],
      2000,
      auth.key,
    );
  }

  #request(
    method: number,
    attributes: Array<[number, Buffer]>,
    timeoutMs = 2000,
    integrityKey?: Buffer,
  ): Promise<StunMessage> {
    const transactionId = randomBytes(12);
    const packet = encodeMessage(method, transactionId, attributes, integrityKey);
    return new Promise((resolve, reject) => {
      const key = transactionId.toString('hex');
      const timer = setTimeout(() => {
        this.#pending.delete(key);
        reject(new Error(`no STUN answer from ${this.#server.address}:${this.#server.port}`));
      }, timeoutMs);
      this.#pending.set(key, (message) => {
        clearTimeout(timer);
        resolve(message);
      });
      this.#socket.send(packet, this.#server.port, this.#server.address);
    });
  }

  #receive(packet: Buffer): void {
    const message = decodeMessage(packet);
    if (!message) return;
    if (message.type === (METHOD.data | CLASS_INDICATION)) {
      const from = decodeXorAddress(required(message, ATTR.xorPeerAddress));
      const data = required(message, ATTR.data);
      for (const listener of this.#dataListeners) listener(from, data);
      return;
    }
    const key = message.transactionId.toString('hex');
    const settle = this.#pending.get(key);
    if (settle) {
      this.#pending.delete(key);
      settle(message);
    }
  }
}

function encodeMessage(
  type: number,
  transactionId: Buffer,
  attributes: Array<[number, Buffer]>,
  integrityKey?: Buffer,
): Buffer {
  const body = Buffer.concat(attributes.map(([attrType, value]) => encodeAttribute(attrType, value)));
  const integrityBytes = integrityKey ? 24 : 0;
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt16BE(type, 0);
  // MESSAGE-INTEGRITY covers a header whose length already counts the MESSAGE-INTEGRITY attribute.
  header.writeUInt16BE(body.length + integrityBytes, 2);
  header.writeUInt32BE(MAGIC_COOKIE, 4);
  transactionId.copy(header, 8);
  const message = Buffer.concat([header, body]);
  if (!integrityKey) return message;
  const hmac = createHmac('sha1', integrityKey).update(message).digest();
  return Buffer.concat([message, encodeAttribute(ATTR.messageIntegrity, hmac)]);
}

function encodeAttribute(type: number, value: Buffer): Buffer {
  const padded = Buffer.alloc(4 + Math.ceil(value.length / 4) * 4);
  padded.writeUInt16BE(type, 0);
  padded.writeUInt16BE(value.length, 2);
  value.copy(padded, 4);
  return padded;
}

function decodeMessage(packet: Buffer): StunMessage | null {
  if (packet.length < HEADER_BYTES || packet.readUInt32BE(4) !== MAGIC_COOKIE) return null;
  const end = Math.min(packet.length, HEADER_BYTES + packet.readUInt16BE(2));
  const attributes = new Map<number, Buffer>();
  for (let offset = HEADER_BYTES; offset + 4 <= end;) {
    const type = packet.readUInt16BE(offset);
    const length = packet.readUInt16BE(offset + 2);
    if (!attributes.has(type)) attributes.set(type, packet.subarray(offset + 4, offset + 4 + length));
    offset += 4 + Math.ceil(length / 4) * 4;
  }
  return { type: packet.readUInt16BE(0), transactionId: packet.subarray(8, 20), attributes };
}

function errorOf(message: StunMessage): { errorCode: number; reason: string } | null {
  if ((message.type & CLASS_ERROR) !== CLASS_ERROR) {
    if ((message.type & CLASS_SUCCESS) !== CLASS_SUCCESS) throw new Error('not a STUN response');
    return null;
  }
  const value = required(message, ATTR.errorCode);
  return {
    errorCode: (value[2]! & 0x07) * 100 + value[3]!,
    reason: value.subarray(4).toString().replace(/\0+$/, ''),
  };
}

function required(message: StunMessage, attribute: number): Buffer {
  const value = message.attributes.get(attribute);
  if (!value)
    throw new Error(
      `STUN message 0x${message.type.toString(16)} lacks attribute 0x${attribute.toString(16)}`,
    );
  return value;
}

/** XOR-*-ADDRESS, IPv4 only: the tests run on 127.0.0.1. */
function decodeXorAddress(value: Buffer): TransportAddress {
  if (value[1] !== 0x01) throw new Error('only IPv4 XOR addresses are supported');
  const port = value.readUInt16BE(2) ^ (MAGIC_COOKIE >>> 16);
  const ip = (value.readUInt32BE(4) ^ MAGIC_COOKIE) >>> 0;
  return { address: [ip >>> 24, (ip >>> 16) & 0xff, (ip >>> 8) & 0xff, ip & 0xff].join('.'), port };
}

function encodeXorAddress(peer: TransportAddress): Buffer {
  const octets = peer.address.split('.').map(Number);
  if (octets.length !== 4) throw new Error('only IPv4 peers are supported');
  const value = Buffer.alloc(8);
  value[1] = 0x01;
  value.writeUInt16BE(peer.port ^ (MAGIC_COOKIE >>> 16), 2);
  const ip = octets.reduce((acc, octet) => acc * 256 + octet, 0);
  value.writeUInt32BE((ip ^ MAGIC_COOKIE) >>> 0, 4);
  return value;
}
