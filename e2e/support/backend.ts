/**
 * Runs the real signaling backend as its own process (`node backend/src/server.ts`, exactly as deployed),
 * on an in-memory database and a free port, serving the freshly built web client from dist/web.
 */
import path from 'node:path';
import { spawnBackend, type ServerProcess } from '../../backend/scripts/backendProcess.ts';

export type RunningBackend = Pick<ServerProcess, 'url' | 'stop'>;

const ROOT = path.resolve(import.meta.dirname, '..', '..');

export function startBackend(env: Record<string, string> = {}): Promise<RunningBackend> {
  return spawnBackend({
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    DATA_DIR: ':memory:',
    WEB_DIR: path.join(ROOT, 'dist', 'web'),
    LOG_LEVEL: 'info',
    SWEEP_INTERVAL_MS: '100',
    // Every test registers fresh users and places many calls from one address.
    RATE_LIMIT_MULTIPLIER: '1000',
    SCRYPT_LOG2_COST: '10',
    ...env,
  });
}
