import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

const StoredSecrets = z.object({ jwtSecret: z.string().min(32), turnSecret: z.string().min(32) });
export type StoredSecrets = z.infer<typeof StoredSecrets>;

const SECRETS_FILE = 'secrets.json';

export function generateSecrets(): StoredSecrets {
  return {
    jwtSecret: randomBytes(32).toString('base64url'),
    turnSecret: randomBytes(32).toString('base64url'),
  };
}

/**
 * Development convenience: secrets generated on the first start and kept in DATA_DIR/secrets.json (0600), so
 * tokens and TURN credentials survive restarts without anyone having to invent a secret. Production requires
 * them from the environment instead (see config.ts). `npm run turn` reads the same file to start coturn.
 */
export function loadOrCreateSecrets(dataDir: string): StoredSecrets {
  const file = path.join(dataDir, SECRETS_FILE);
  if (existsSync(file)) {
    const parsed = StoredSecrets.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (!parsed.success) throw new Error(`${file} is malformed: delete it to generate new secrets`);
    return parsed.data;
  }
  const secrets = generateSecrets();
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  // 'wx' fails if another process created the file meanwhile instead of silently replacing its secrets.
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return secrets;
}
