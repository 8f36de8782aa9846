/**
 * HTTP/1.1 written byte for byte over TCP: fetch() would normalise a path, refuse a header or drop a body
 * that the boundary tests need to send exactly as a hostile or sloppy client would.
 */
import { connect } from 'node:net';

export interface RawResponse {
  status: number;
  /** Lowercased names. */
  headers: Record<string, string>;
  body: string;
  /** Everything the server sent, status line and headers included. */
  raw: string;
}

export interface RawRequest {
  method: string;
  /** Sent as it is: no encoding, no normalisation. */
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

/** The bytes of a well-framed request (Host, Content-Length and Connection: close added). */
export function frameRequest(request: RawRequest): Buffer {
  const body = typeof request.body === 'string' ? Buffer.from(request.body, 'utf8') : request.body;
  const headers: Record<string, string> = {
    host: '127.0.0.1',
    connection: 'close',
    ...(body === undefined ? {} : { 'content-length': String(body.length) }),
    ...request.headers,
  };
  const head = Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  return Buffer.concat([
    Buffer.from(`${request.method} ${request.path} HTTP/1.1\r\n${head}\r\n`, 'latin1'),
    body ?? Buffer.alloc(0),
  ]);
}

function decodeChunked(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = body.indexOf('\r\n', at);
    if (lineEnd < 0) break;
    const size = Number.parseInt(body.subarray(at, lineEnd).toString('latin1'), 16);
    if (!(size > 0)) break;
    parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

function parseResponse(bytes: Buffer): RawResponse | null {
  const headEnd = bytes.indexOf('\r\n\r\n');
  if (headEnd < 0) return null;
  const [statusLine = '', ...lines] = bytes.subarray(0, headEnd).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1]);
  if (!Number.isInteger(status)) return null;
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = bytes.subarray(headEnd + 4);
  if (headers['transfer-encoding']?.includes('chunked')) body = decodeChunked(body);
  else if (headers['content-length'] !== undefined)
    body = body.subarray(0, Number(headers['content-length']));
  return { status, headers, body: body.toString('utf8'), raw: bytes.toString('utf8') };
}

/**
 * Sends `bytes` and reads until the server closes. Resolves with the (first) response, or null when the
 * server closed without a parseable one; rejects if it neither answers nor closes in time. `halfClose` ends
 * the client's side at once, so an incomplete request meets end-of-stream instead of the server's timeout
 * (like a client that gives up; Node then drops answers still being prepared).
 */
export function rawExchange(
  url: string,
  bytes: Buffer,
  options: { halfClose?: boolean; timeoutMs?: number } = {},
): Promise<RawResponse | null> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    const received: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer and no close within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('connect', () => (options.halfClose ? socket.end(bytes) : socket.write(bytes)));
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    // A reset after the server answered and closed is not a failure: the answer is what counts.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(parseResponse(Buffer.concat(received)));
    });
  });
}

/** A well-framed request with `Connection: close`: the server closes once it answered. */
export function rawRequest(url: string, request: RawRequest): Promise<RawResponse | null> {
  return rawExchange(url, frameRequest(request));
}
