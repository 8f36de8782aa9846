/**
 * `npm run turn`: a local coturn for development, configured from the same environment as the backend
 * (TURN_SERVER_HOST, TURN_SERVER_PORT, TURN_SECRET, or the dev secret in DATA_DIR/secrets.json), so the
 * credentials the backend issues work against it. Runs in the foreground; Ctrl+C stops it.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, type Config } from '../src/config.ts';
import { deriveLocalCoturnConfig, readProductionCoturnConfig } from '../src/turn/coturnConfig.ts';
import { runInForeground } from './foregroundDaemon.ts';

const DEV_REALM = 'callbridge.local';

function fail(message: string): never {
  process.stderr.write(`npm run turn: ${message}\n`);
  process.exit(1);
}

if (process.env.NODE_ENV === 'production') {
  fail('development only; production runs coturn with backend/coturn/turnserver.conf (see docs/turn.md)');
}
if (process.env.DATA_DIR === ':memory:' && !process.env.TURN_SECRET) {
  fail('with DATA_DIR=:memory: the backend generates a new TURN secret per start; set TURN_SECRET');
}

// Loading the backend's own config reads (or creates) the same DATA_DIR/secrets.json the backend uses.
let config: Config;
try {
  config = loadConfig({ ...process.env, TURN_SERVER_HOST: process.env.TURN_SERVER_HOST || '127.0.0.1' });
} catch (error) {
  if (error instanceof ConfigError) fail(error.message);
  throw error;
}
const turn = config.turn!;
const listenIp = turn.host === 'localhost' ? '127.0.0.1' : turn.host;
if (isIP(listenIp) === 0) {
  fail(`TURN_SERVER_HOST=${turn.host} is not an IP address; a local coturn listens on one (e.g. 127.0.0.1)`);
}
if (turn.port === config.port) {
  fail(`TURN_SERVER_PORT=${turn.port} is also the backend's PORT; give both processes TURN_SERVER_PORT=3478`);
}

const workDir = config.dataDir
  ? join(config.dataDir, 'coturn')
  : mkdtempSync(join(tmpdir(), 'callbridge-turn-'));
mkdirSync(workDir, { recursive: true, mode: 0o700 });
const configPath = join(workDir, 'turnserver.conf');
// The file holds the TURN secret: readable by this user only.
writeFileSync(
  configPath,
  deriveLocalCoturnConfig(await readProductionCoturnConfig(), {
    listenIp,
    port: turn.port,
    secret: turn.secret,
    realm: DEV_REALM,
    workDir,
  }),
  { mode: 0o600 },
);

if (!process.env.TURN_SERVER_HOST) {
  process.stderr.write(
    'npm run turn: start the backend with TURN_SERVER_HOST=127.0.0.1 to hand out this server\n',
  );
}
if (turn.tlsPort !== null) {
  process.stderr.write(`npm run turn: no TLS locally; turns: on port ${turn.tlsPort} will not connect\n`);
}
runInForeground({
  command: 'turnserver',
  args: ['-c', configPath],
  installHint: 'install coturn (apt-get install coturn)',
  started: `coturn on ${listenIp}:${turn.port} (udp+tcp), realm ${DEV_REALM}, config ${configPath}\n`,
  fail,
});
