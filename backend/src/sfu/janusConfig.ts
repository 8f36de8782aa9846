/**
 * Generates the configuration folder of a Janus 1.1 instance that serves CallBridge: the core (janus.jcfg),
 * the WebSocket transport the backend talks to, and the VideoRoom plugin. Every other plugin, transport,
 * event handler and logger is disabled: a Janus that only the backend drives needs nothing else, and each
 * extra module is attack surface (the SIP and streaming plugins open their own sockets).
 *
 * Used by `npm run sfu` (development) and by the tests; production operators can generate a folder with the
 * same function or write theirs by hand (docs/sfu.md lists what matters).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';

export interface JanusConfigOptions {
  /** Port of the Janus API WebSocket (the backend's signaling link to Janus). */
  wsPort: number;
  /**
   * Where that WebSocket listens: an IP address (ws_ip) or an interface name (ws_interface). Loopback by
   * default: clients never talk to Janus directly, only backend nodes do.
   */
  wsInterface?: string;
  /** VideoRoom admin_key: without it nobody can create (or list private) rooms. */
  adminKey: string;
  /** UDP ports Janus uses for media (ICE). Open these in the firewall. */
  rtpPortRange: { min: number; max: number };
  /**
   * Interface (name or IP) whose address Janus gathers ICE candidates on. Janus offers no loopback
   * candidates, so this must be a real interface; defaults to the one of the default route.
   */
  iceEnforceInterface?: string;
  /** Public IP to advertise instead of the private host address (Janus behind 1:1 NAT, e.g. cloud VMs). */
  nat1to1?: string;
  serverName?: string;
  /** Janus log verbosity, 0 (none) to 7 (everything); 4 = info. */
  debugLevel?: number;
  /** Seconds without a request after which Janus drops a session (tests shorten it). */
  sessionTimeoutSeconds?: number;
  /** Folder holding Janus's plugins/, transports/, events/ and loggers/ (see findJanusLibDir). */
  libDir?: string;
}

/** Seconds without a keepalive after which Janus drops a session (the backend sends one every 10 s). */
export const JANUS_SESSION_TIMEOUT_SECONDS = 60;

const DEFAULT_WS_INTERFACE = '127.0.0.1';
const DEFAULT_LIB_DIR = '/usr/lib/x86_64-linux-gnu/janus';
const JANUS_LIB_DIR_CANDIDATES = [
  DEFAULT_LIB_DIR,
  '/usr/lib/aarch64-linux-gnu/janus',
  '/usr/lib/janus',
  '/usr/local/lib/janus',
  '/opt/janus/lib/janus',
  '/opt/homebrew/lib/janus',
];

/** The only modules CallBridge loads. */
const KEPT = { plugins: 'libjanus_videoroom.so', transports: 'libjanus_websockets.so' } as const;

/**
 * The modules Janus 1.1.2 ships, disabled by name even when the lib folder is not readable at generation
 * time; writeJanusConfig adds whatever else the installed folder holds.
 */
const KNOWN_MODULES = {
  plugins: [
    'libjanus_audiobridge.so',
    'libjanus_duktape.so',
    'libjanus_echotest.so',
    'libjanus_lua.so',
    'libjanus_nosip.so',
    'libjanus_recordplay.so',
    'libjanus_sip.so',
    'libjanus_streaming.so',
    'libjanus_textroom.so',
    'libjanus_videocall.so',
    'libjanus_voicemail.so',
  ],
  transports: [
    'libjanus_http.so',
    'libjanus_mqtt.so',
    'libjanus_nanomsg.so',
    'libjanus_pfunix.so',
    'libjanus_rabbitmq.so',
  ],
  events: [
    'libjanus_gelfevh.so',
    'libjanus_mqttevh.so',
    'libjanus_nanomsgevh.so',
    'libjanus_rabbitmqevh.so',
    'libjanus_sampleevh.so',
    'libjanus_wsevh.so',
  ],
  loggers: ['libjanus_jsonlog.so'],
} as const;
type ModuleKind = keyof typeof KNOWN_MODULES;
const MODULE_KINDS = Object.keys(KNOWN_MODULES) as ModuleKind[];

export type JanusConfigFiles = Record<
  'janus.jcfg' | 'janus.transport.websockets.jcfg' | 'janus.plugin.videoroom.jcfg',
  string
>;

/**
 * The text of the three config files, for a folder at `configsFolder`. Pure: the media interface must be
 * given (or nat1to1); writeJanusConfig fills in the default route's interface.
 */
export function renderJanusConfig(
  configsFolder: string,
  options: JanusConfigOptions,
  installedModules: Partial<Record<ModuleKind, readonly string[]>> = {},
): JanusConfigFiles {
  const libDir = options.libDir ?? DEFAULT_LIB_DIR;
  const wsInterface = options.wsInterface ?? DEFAULT_WS_INTERFACE;
  assertPort('wsPort', options.wsPort);
  assertPort('rtpPortRange.min', options.rtpPortRange.min);
  assertPort('rtpPortRange.max', options.rtpPortRange.max);
  if (options.rtpPortRange.min > options.rtpPortRange.max) {
    throw new Error('rtpPortRange.min must not exceed rtpPortRange.max');
  }
  if (options.adminKey.length < 16) throw new Error('adminKey must be at least 16 characters');
  if (options.iceEnforceInterface === undefined && options.nat1to1 === undefined) {
    throw new Error('give iceEnforceInterface or nat1to1: Janus offers no loopback candidates');
  }
  if (options.iceEnforceInterface !== undefined && isLoopback(options.iceEnforceInterface)) {
    throw new Error(
      `iceEnforceInterface ${options.iceEnforceInterface} is loopback; Janus gathers no candidates there`,
    );
  }
  if (options.nat1to1 !== undefined && isIP(options.nat1to1) === 0) {
    throw new Error('nat1to1 must be an IP address');
  }
  const debugLevel = options.debugLevel ?? 4;
  if (!Number.isInteger(debugLevel) || debugLevel < 0 || debugLevel > 7) {
    throw new Error('debugLevel must be an integer from 0 to 7');
  }
  const sessionTimeoutSeconds = options.sessionTimeoutSeconds ?? JANUS_SESSION_TIMEOUT_SECONDS;
  if (!Number.isInteger(sessionTimeoutSeconds) || sessionTimeoutSeconds < 1) {
    throw new Error('sessionTimeoutSeconds must be a positive integer');
  }

  const disabled = (kind: ModuleKind): string =>
    quote(
      [...new Set([...KNOWN_MODULES[kind], ...(installedModules[kind] ?? [])])]
        .filter((name) => name !== KEPT[kind as keyof typeof KEPT])
        .sort()
        .join(','),
    );

  const nat = [
    options.iceEnforceInterface === undefined
      ? null
      : `  ice_enforce_list = ${quote(options.iceEnforceInterface)}`,
    options.nat1to1 === undefined ? null : `  nat_1_1_mapping = ${quote(options.nat1to1)}`,
  ].filter((line) => line !== null);

  const janus = [
    HEADER,
    'general: {',
    `  configs_folder = ${quote(configsFolder)}`,
    `  plugins_folder = ${quote(join(libDir, 'plugins'))}`,
    `  transports_folder = ${quote(join(libDir, 'transports'))}`,
    `  events_folder = ${quote(join(libDir, 'events'))}`,
    `  loggers_folder = ${quote(join(libDir, 'loggers'))}`,
    `  debug_level = ${debugLevel}`,
    '  debug_timestamps = true',
    `  server_name = ${quote(options.serverName ?? 'callbridge-sfu')}`,
    `  session_timeout = ${sessionTimeoutSeconds}`,
    // A backend that lost its connection creates new sessions; nothing reclaims old ones.
    '  reclaim_session_timeout = 0',
    '  hide_dependencies = true',
    '}',
    'media: {',
    `  rtp_port_range = "${options.rtpPortRange.min}-${options.rtpPortRange.max}"`,
    '}',
    'nat: {',
    ...nat,
    '}',
    `plugins: { disable = ${disabled('plugins')} }`,
    `transports: { disable = ${disabled('transports')} }`,
    `events: { broadcast = false disable = ${disabled('events')} }`,
    `loggers: { disable = ${disabled('loggers')} }`,
    '',
  ].join('\n');

  const wsBind = isIP(wsInterface) === 0 ? 'ws_interface' : 'ws_ip';
  const websockets = [
    HEADER,
    `general: { json = "compact" ws = true ws_port = ${options.wsPort} ${wsBind} = ${quote(wsInterface)} wss = false }`,
    'admin: { admin_ws = false admin_wss = false }',
    '',
  ].join('\n');

  const videoroom = [
    HEADER,
    // admin_key: creating and listing private rooms needs it, so only the backend can. lock_rtp_forward:
    // RTP forwarders (which send media anywhere) need it too.
    `general: { admin_key = ${quote(options.adminKey)} lock_rtp_forward = true string_room_ids = false }`,
    '',
  ].join('\n');

  return {
    'janus.jcfg': janus,
    'janus.transport.websockets.jcfg': websockets,
    'janus.plugin.videoroom.jcfg': videoroom,
  };
}

/**
 * Writes the config folder (files readable by this user only: the videoroom file holds the admin key) and
 * returns the path of janus.jcfg. Start Janus with `janus -F <dir> -C <dir>/janus.jcfg`.
 */
export async function writeJanusConfig(dir: string, options: JanusConfigOptions): Promise<string> {
  const libDir = options.libDir ?? findJanusLibDir() ?? DEFAULT_LIB_DIR;
  const media =
    options.iceEnforceInterface === undefined && options.nat1to1 === undefined
      ? { iceEnforceInterface: defaultMediaInterface() }
      : {};
  const files = renderJanusConfig(dir, { ...options, ...media, libDir }, installedModules(libDir));
  await mkdir(dir, { recursive: true, mode: 0o700 });
  for (const [name, text] of Object.entries(files)) {
    await writeFile(join(dir, name), text, { mode: 0o600 });
  }
  return join(dir, 'janus.jcfg');
}

/**
 * The interface Janus should gather media candidates on: the default route's (what other machines reach),
 * else the first non-internal IPv4 one. Throws on a machine with only loopback.
 */
export function defaultMediaInterface(
  interfaces: ReturnType<typeof networkInterfaces> = networkInterfaces(),
  routeTable = readRouteTable(),
): string {
  const viaDefaultRoute = defaultRouteInterface(routeTable);
  if (viaDefaultRoute !== null && interfaces[viaDefaultRoute]?.some((a) => !a.internal)) {
    return viaDefaultRoute;
  }
  for (const [name, addresses] of Object.entries(interfaces)) {
    if (addresses?.some((a) => a.family === 'IPv4' && !a.internal)) return name;
  }
  throw new Error(
    'no non-loopback IPv4 interface: Janus needs one for media (it offers no loopback candidates)',
  );
}

/** Where the installed Janus keeps its modules, or null when none of the usual places has them. */
export function findJanusLibDir(): string | null {
  return JANUS_LIB_DIR_CANDIDATES.find((dir) => existsSync(join(dir, 'plugins', KEPT.plugins))) ?? null;
}

/** The interface name of the default route in Linux's /proc/net/route (columns: Iface Destination ...). */
function defaultRouteInterface(routeTable: string | null): string | null {
  if (routeTable === null) return null;
  for (const line of routeTable.split('\n').slice(1)) {
    const [iface, destination] = line.trim().split(/\s+/);
    if (iface && destination === '00000000') return iface;
  }
  return null;
}

function readRouteTable(): string | null {
  // Absent outside Linux, where the first non-internal interface is used.
  try {
    return readFileSync('/proc/net/route', 'utf8');
  } catch {
    return null;
  }
}

function installedModules(libDir: string): Partial<Record<ModuleKind, string[]>> {
  const found: Partial<Record<ModuleKind, string[]>> = {};
  for (const kind of MODULE_KINDS) {
    try {
      found[kind] = readdirSync(join(libDir, kind)).filter((name) => name.endsWith('.so'));
    } catch {
      // folder missing: the known names are disabled anyway
    }
  }
  return found;
}

const HEADER = '# Generated by CallBridge (backend/src/sfu/janusConfig.ts). Regenerate instead of editing.';

/** libconfig string literal; the values are ours, but a quote or backslash would break the file. */
function quote(value: string): string {
  if (/["\\\n]/.test(value)) throw new Error(`Janus config value may not contain quotes: ${value}`);
  return `"${value}"`;
}

function assertPort(name: string, port: number): void {
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new Error(`${name} must be a port`);
}

function isLoopback(value: string): boolean {
  return value === 'lo' || value === 'lo0' || value === '::1' || value.startsWith('127.');
}
