import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { defaultMediaInterface, renderJanusConfig, type JanusConfigOptions } from './janusConfig.ts';

const OPTIONS: JanusConfigOptions = {
  wsPort: 8188,
  adminKey: 'admin-key-0123456789',
  rtpPortRange: { min: 20_000, max: 20_999 },
  iceEnforceInterface: 'eth0',
  libDir: '/usr/lib/janus',
};

/** A libconfig item's value: `name = "value"` or `name = 4`. */
function item(text: string, name: string): string | undefined {
  return new RegExp(`\\b${name} = ("[^"]*"|\\S+)`).exec(text)?.[1];
}

describe('renderJanusConfig', () => {
  const files = renderJanusConfig('/etc/callbridge/janus', OPTIONS);

  it('protects rooms with the admin key, and RTP forwarders too', () => {
    const videoroom = files['janus.plugin.videoroom.jcfg'];
    expect(item(videoroom, 'admin_key')).toBe('"admin-key-0123456789"');
    expect(item(videoroom, 'lock_rtp_forward')).toBe('true');
  });

  it('serves the API WebSocket on loopback only, without the admin API', () => {
    const ws = files['janus.transport.websockets.jcfg'];
    expect(item(ws, 'ws_port')).toBe('8188');
    expect(item(ws, 'ws_ip')).toBe('"127.0.0.1"');
    expect(item(ws, 'wss')).toBe('false');
    expect(item(ws, 'admin_ws')).toBe('false');
  });

  it('binds an interface name given as wsInterface with ws_interface', () => {
    const ws = renderJanusConfig('/c', { ...OPTIONS, wsInterface: 'wg0' })['janus.transport.websockets.jcfg'];
    expect(item(ws, 'ws_interface')).toBe('"wg0"');
    expect(item(ws, 'ws_ip')).toBeUndefined();
  });

  it('gathers media on the given interface, never loopback', () => {
    const janus = files['janus.jcfg'];
    expect(item(janus, 'ice_enforce_list')).toBe('"eth0"');
    expect(item(janus, 'rtp_port_range')).toBe('"20000-20999"');
    expect(janus).not.toMatch(/ice_enforce_list = "(lo|127\.)/);
    for (const loopback of ['lo', '127.0.0.1']) {
      expect(() => renderJanusConfig('/c', { ...OPTIONS, iceEnforceInterface: loopback })).toThrow(
        /loopback/,
      );
    }
  });

  it('advertises a public address with nat_1_1_mapping', () => {
    const { iceEnforceInterface: _, ...rest } = OPTIONS;
    const janus = renderJanusConfig('/c', { ...rest, nat1to1: '203.0.113.7' })['janus.jcfg'];
    expect(item(janus, 'nat_1_1_mapping')).toBe('"203.0.113.7"');
    expect(item(janus, 'ice_enforce_list')).toBeUndefined();
    expect(() => renderJanusConfig('/c', rest)).toThrow(/iceEnforceInterface or nat1to1/);
  });

  it('loads only the VideoRoom plugin and the WebSocket transport', () => {
    const janus = files['janus.jcfg'];
    const disabled = (section: string) => /disable = "([^"]*)"/.exec(janus.split(`${section}: {`)[1]!)![1]!;
    expect(disabled('plugins')).toContain('libjanus_streaming.so');
    expect(disabled('plugins')).toContain('libjanus_sip.so');
    expect(disabled('plugins')).not.toContain('libjanus_videoroom.so');
    expect(disabled('transports')).toContain('libjanus_http.so');
    expect(disabled('transports')).not.toContain('libjanus_websockets.so');
    expect(item(janus, 'broadcast')).toBe('false');
    expect(item(janus, 'plugins_folder')).toBe('"/usr/lib/janus/plugins"');
    expect(item(janus, 'configs_folder')).toBe('"/etc/callbridge/janus"');
  });

  it('also disables modules found installed beyond the known ones', () => {
    const janus = renderJanusConfig('/c', OPTIONS, {
      plugins: ['libjanus_videoroom.so', 'libjanus_future.so'],
    })['janus.jcfg'];
    expect(janus).toContain('libjanus_future.so');
  });

  it('sets the session timeout the pool keeps alive against', () => {
    expect(item(files['janus.jcfg'], 'session_timeout')).toBe('60');
    const short = renderJanusConfig('/c', { ...OPTIONS, sessionTimeoutSeconds: 2 })['janus.jcfg'];
    expect(item(short, 'session_timeout')).toBe('2');
  });

  it('refuses values that would break or weaken the config', () => {
    expect(() => renderJanusConfig('/c', { ...OPTIONS, adminKey: 'short' })).toThrow(/adminKey/);
    expect(() => renderJanusConfig('/c', { ...OPTIONS, adminKey: 'a"b'.repeat(8) })).toThrow(/quotes/);
    expect(() => renderJanusConfig('/c', { ...OPTIONS, wsPort: 0 })).toThrow(/wsPort/);
    // 0 would mean "never": sessions of a crashed backend would live on in Janus.
    expect(() => renderJanusConfig('/c', { ...OPTIONS, sessionTimeoutSeconds: 0 })).toThrow(/sessionTimeout/);
    expect(() => renderJanusConfig('/c', { ...OPTIONS, rtpPortRange: { min: 30_000, max: 20_000 } })).toThrow(
      /rtpPortRange/,
    );
  });
});

describe('defaultMediaInterface', () => {
  const address = (ip: string, internal: boolean): NetworkInterfaceInfo => ({
    address: ip,
    netmask: '255.255.255.0',
    family: 'IPv4',
    mac: '00:00:00:00:00:00',
    internal,
    cidr: `${ip}/24`,
  });
  const interfaces = {
    lo: [address('127.0.0.1', true)],
    docker0: [address('172.17.0.1', false)],
    eth0: [address('192.0.2.2', false)],
  };
  const routes = [
    'Iface\tDestination\tGateway\tFlags',
    'docker0\t000011AC\t00000000\t0001',
    'eth0\t00000000\t010200C0\t0003',
  ].join('\n');

  it("takes the default route's interface", () => {
    expect(defaultMediaInterface(interfaces, routes)).toBe('eth0');
  });

  it('falls back to the first non-internal IPv4 interface without a route table', () => {
    expect(defaultMediaInterface(interfaces, null)).toBe('docker0');
  });

  it('refuses a machine with loopback only', () => {
    expect(() => defaultMediaInterface({ lo: interfaces.lo }, null)).toThrow(/loopback/);
  });
});
