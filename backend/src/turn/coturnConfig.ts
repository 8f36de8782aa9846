/**
 * Derives the coturn configuration of a local (development or test) TURN server from the production file
 * backend/coturn/turnserver.conf, so that local runs exercise the same hardening (auth, quotas, denied peer
 * ranges) and cannot silently drift from what production ships.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

export const PRODUCTION_COTURN_CONFIG_PATH = fileURLToPath(
  new URL('../../coturn/turnserver.conf', import.meta.url),
);

export interface LocalCoturnOptions {
  /** The one address coturn listens and relays on: a local coturn never faces the internet. */
  listenIp: string;
  port: number;
  secret: string;
  realm: string;
  /** Where coturn keeps its pid file and its (unused with use-auth-secret, but always opened) SQLite db. */
  workDir: string;
}

/**
 * Production settings a local server must not keep: the deploy-time placeholders, the public addresses and
 * the TLS listener (no certificate on a developer machine).
 */
const REPLACED_KEYS = new Set([
  'listening-port',
  'tls-listening-port',
  'external-ip',
  'relay-ip',
  'static-auth-secret',
  'realm',
  'cert',
  'pkey',
  'cipher-list',
  'log-file',
]);

export async function readProductionCoturnConfig(): Promise<string> {
  return readFile(PRODUCTION_COTURN_CONFIG_PATH, 'utf8');
}

export function deriveLocalCoturnConfig(productionConfig: string, options: LocalCoturnOptions): string {
  assertConfigValue('secret', options.secret);
  assertConfigValue('realm', options.realm);
  const kept = productionConfig
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#') && line.trim() !== '')
    .filter((line) => !REPLACED_KEYS.has(configKey(line)));

  const leftover = kept.find((line) => line.includes('${'));
  if (leftover !== undefined) {
    throw new Error(`coturn config line has a placeholder the local config does not fill: ${leftover}`);
  }

  return [
    '# Generated for a local TURN server from backend/coturn/turnserver.conf. Do not use in production.',
    ...kept,
    `listening-ip=${options.listenIp}`,
    `relay-ip=${options.listenIp}`,
    `listening-port=${options.port}`,
    `static-auth-secret=${options.secret}`,
    `realm=${options.realm}`,
    'no-tls',
    'no-dtls',
    // Both peers of a local call live on this machine, so their relayed candidates point at loopback. An
    // allowed-peer-ip wins over the production denied-peer-ip range; every other private range stays denied.
    'allow-loopback-peers',
    `allowed-peer-ip=${options.listenIp}`,
    `pidfile=${options.workDir}/turnserver.pid`,
    `userdb=${options.workDir}/turndb`,
    'log-file=stdout',
    '',
  ].join('\n');
}

function configKey(line: string): string {
  return line.trim().split('=', 1)[0]!.trim();
}

/** A newline would let a value inject further coturn options. */
function assertConfigValue(name: string, value: string): void {
  if (value === '' || /[\r\n]/.test(value)) {
    throw new Error(`coturn ${name} must be a non-empty single line`);
  }
}
