import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.ts';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: createLogger('info', stream), lines };
}

describe('createLogger', () => {
  it('redacts credentials wherever a log call puts them', () => {
    const { logger, lines } = capture();
    logger.info(
      {
        req: { headers: { authorization: 'Bearer secret-token' } },
        auth: { token: 'handshake-token', deviceId: 'device-1' },
        body: { email: 'a@example.test', password: 'hunter22' },
        turn: { secret: 'turn-secret', credential: 'hmac' },
      },
      'something happened',
    );
    const text = lines.join('');
    for (const secret of ['secret-token', 'handshake-token', 'hunter22', 'turn-secret', 'hmac']) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain('device-1');
    expect(text).toContain('a@example.test');
  });

  it('logs errors without their stack', () => {
    const { logger, lines } = capture();
    const err = Object.assign(new Error('db down'), { code: 'ECONNREFUSED' });
    logger.error({ err }, 'request failed');
    const entry = JSON.parse(lines[0]!);
    expect(entry.err).toEqual({ type: 'Error', message: 'db down', code: 'ECONNREFUSED' });
    expect(lines[0]).not.toContain('logger.test.ts');
  });
});
