/**
 * `npm run sfu`: a local Janus (VideoRoom over WebSocket) for development, configured by
 * backend/src/sfu/janusConfig.ts. Prints the JANUS_URLS and JANUS_ADMIN_KEY to start the backend with.
 * Runs in the foreground; Ctrl+C stops it.
 *
 * The admin key is JANUS_ADMIN_KEY when set, else one generated once and kept in DATA_DIR/janus/admin-key
 * (so a restarted Janus and an already configured backend still agree). The WebSocket port is the one of the
 * first JANUS_URLS entry when set, else 8188. Media: JANUS_ICE_INTERFACE (default: the default route's
 * interface) or JANUS_NAT_1_1_MAPPING, UDP ports JANUS_RTP_PORTS (default 20000-20999).
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { defaultMediaInterface, writeJanusConfig } from '../src/sfu/janusConfig.ts';
import { runInForeground } from './foregroundDaemon.ts';

const DEFAULT_WS_PORT = 8188;
const DEFAULT_RTP_PORTS = '20000-20999';

function fail(message: string): never {
  process.stderr.write(`npm run sfu: ${message}\n`);
  process.exit(1);
}

const env = (name: string): string | undefined => process.env[name]?.trim() || undefined;

if (env('NODE_ENV') === 'production') {
  fail('development only; production runs Janus with its own configuration (see docs/sfu.md)');
}

const dataDir = env('DATA_DIR') ?? '.data';
const workDir =
  dataDir === ':memory:' ? mkdtempSync(join(tmpdir(), 'callbridge-sfu-')) : resolve(dataDir, 'janus');
mkdirSync(workDir, { recursive: true, mode: 0o700 });

const adminKey = env('JANUS_ADMIN_KEY') ?? storedAdminKey(workDir);
if (adminKey.length < 16) fail('JANUS_ADMIN_KEY must be at least 16 characters');

const firstUrl = env('JANUS_URLS')?.split(',')[0]?.trim();
let wsPort = DEFAULT_WS_PORT;
if (firstUrl) {
  let url: URL;
  try {
    url = new URL(firstUrl);
  } catch {
    fail(`JANUS_URLS entry ${firstUrl} is not a URL`);
  }
  if (url.protocol !== 'ws:') fail('a local Janus speaks ws:// (no TLS); set JANUS_URLS=ws://127.0.0.1:8188');
  if (!['127.0.0.1', 'localhost'].includes(url.hostname)) {
    fail(`JANUS_URLS starts with ${firstUrl}; a local Janus listens on 127.0.0.1`);
  }
  wsPort = Number(url.port || 80);
}

const rtpMatch = /^(\d+)-(\d+)$/.exec(env('JANUS_RTP_PORTS') ?? DEFAULT_RTP_PORTS);
if (!rtpMatch) fail('JANUS_RTP_PORTS must look like 20000-20999');
const rtpPortRange = { min: Number(rtpMatch[1]), max: Number(rtpMatch[2]) };

const nat1to1 = env('JANUS_NAT_1_1_MAPPING');
let iceEnforceInterface = env('JANUS_ICE_INTERFACE');
if (iceEnforceInterface === undefined && nat1to1 === undefined) {
  try {
    iceEnforceInterface = defaultMediaInterface();
  } catch (error) {
    fail((error as Error).message);
  }
}

let configPath: string;
try {
  configPath = await writeJanusConfig(workDir, {
    wsPort,
    adminKey,
    rtpPortRange,
    ...(iceEnforceInterface === undefined ? {} : { iceEnforceInterface }),
    ...(nat1to1 === undefined ? {} : { nat1to1 }),
    serverName: 'callbridge-dev',
    debugLevel: Number(env('JANUS_DEBUG_LEVEL') ?? 4),
  });
} catch (error) {
  fail((error as Error).message);
}

const url = `ws://127.0.0.1:${wsPort}`;
runInForeground({
  command: 'janus',
  args: ['-F', workDir, '-C', configPath, '-o'],
  installHint: 'install Janus 1.1 (apt-get install janus)',
  started: [
    `Janus on ${url}, media on ${nat1to1 ?? iceEnforceInterface} UDP ${rtpPortRange.min}-${rtpPortRange.max}, config ${workDir}`,
    'Start the backend with:',
    `  export JANUS_URLS=${url}`,
    `  export JANUS_ADMIN_KEY=${adminKey}`,
    '',
  ].join('\n'),
  fail,
});

/** A generated key kept next to the config, readable by this user only. */
function storedAdminKey(dir: string): string {
  const file = join(dir, 'admin-key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const key = randomBytes(24).toString('base64url');
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return key;
}
