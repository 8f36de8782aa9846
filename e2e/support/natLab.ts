/**
 * A small internet in Linux network namespaces, for calls between clients behind NATs (issue #12):
 *
 *   Chromium A ─ ns "ca" 192.168.10.2 ─ NAT "ra" 203.0.113.2 ─┐
 *                                                             ├─ bridge ns "pub" ─ host 203.0.113.254
 *   Chromium B ─ ns "cb" 192.168.20.2 ─ NAT "rb" 203.0.113.3 ─┘    (backend and coturn listen here)
 *
 * Each NAT masquerades with a random port per connection ("fully-random": a new mapping per destination,
 * like a symmetric NAT) and drops everything unsolicited from outside, so no direct path between A and B can
 * be punched: the call only works through TURN. Impairments sit on the NAT of the client they affect:
 * random loss with nftables `numgen random` on what it receives, a bandwidth cap with `tc tbf` on its uplink
 * (tc netem is not in this kernel).
 *
 * Chromium runs *inside* the client namespace: Playwright launches a wrapper script (`ip netns exec <ns>
 * chromium "$@"`) as its executablePath. Playwright talks to the browser over inherited pipes
 * (--remote-debugging-pipe), which cross namespaces, so the whole browser, media and signaling alike, sees only
 * the NATed network. Putting only the media path in a namespace would need a proxy for every UDP flow; this
 * needs none. Backend and coturn stay host processes, bound to the host's end of the lab (203.0.113.254), so
 * the tests stop and start them like any other; the only host-side change is that one veth address.
 *
 * Everything is created under a random prefix and removed by `destroy()`, also after a failed test (the
 * namespaces' own processes, which are only the browsers this lab launched, are killed first).
 * TEST-NET-3 (203.0.113.0/24) addresses are never routed on the internet, so nothing leaks out of the lab.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromiumPath } from './fakeCamera.ts';

export const LAB_PUBLIC_HOST = '203.0.113.254';
const SUBNET_BITS = 24;

export type LabClient = 'a' | 'b';
const CLIENTS: Record<LabClient, { wan: string; lan: string }> = {
  a: { wan: '203.0.113.2', lan: '192.168.10' },
  b: { wan: '203.0.113.3', lan: '192.168.20' },
};

/**
 * Why the lab cannot run here, or null. Under CI=true a missing piece fails the test (like a missing coturn
 * in relay.spec.ts); elsewhere the specs skip with this reason.
 */
export function natLabUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'network namespaces need root';
  for (const tool of ['ip', 'nft', 'tc']) {
    if (spawnSync(tool, ['-V'], { stdio: 'ignore' }).error !== undefined) {
      return `\`${tool}\` is not installed (apt-get install iproute2 nftables)`;
    }
  }
  return null;
}

function run(command: string, args: string[], input?: string): void {
  execFileSync(command, args, { input, stdio: ['pipe', 'ignore', 'pipe'] });
}

export class NatLab {
  readonly #prefix = `cbl${randomBytes(2).toString('hex')}`;
  readonly #created: string[] = [];
  readonly #dir = mkdtempSync(path.join(tmpdir(), 'callbridge-natlab-'));
  #hostLink: string | null = null;

  private constructor() {}

  /** Builds the lab; on a failure half-way, whatever was made is removed again. */
  static create(): NatLab {
    const lab = new NatLab();
    try {
      lab.build();
    } catch (err) {
      lab.destroy();
      throw err;
    }
    return lab;
  }

  private ns(name: 'pub' | 'ra' | 'rb' | 'ca' | 'cb'): string {
    return `${this.#prefix}-${name}`;
  }

  private inNs(ns: string, command: string, args: string[], input?: string): void {
    run('ip', ['netns', 'exec', ns, command, ...args], input);
  }

  private build(): void {
    for (const name of ['pub', 'ra', 'rb', 'ca', 'cb'] as const) {
      run('ip', ['netns', 'add', this.ns(name)]);
      this.#created.push(this.ns(name));
      run('ip', ['-n', this.ns(name), 'link', 'set', 'lo', 'up']);
    }
    const pub = this.ns('pub');
    run('ip', ['-n', pub, 'link', 'add', 'br0', 'type', 'bridge']);
    run('ip', ['-n', pub, 'link', 'set', 'br0', 'up']);

    this.#hostLink = `${this.#prefix}h`;
    run('ip', ['link', 'add', this.#hostLink, 'type', 'veth', 'peer', 'name', 'host', 'netns', pub]);
    run('ip', ['addr', 'add', `${LAB_PUBLIC_HOST}/${SUBNET_BITS}`, 'dev', this.#hostLink]);
    run('ip', ['link', 'set', this.#hostLink, 'up']);
    run('ip', ['-n', pub, 'link', 'set', 'host', 'master', 'br0', 'up']);

    for (const client of ['a', 'b'] as const) this.buildClient(client);
  }

  private buildClient(client: LabClient): void {
    const { wan, lan } = CLIENTS[client];
    const router = this.ns(client === 'a' ? 'ra' : 'rb');
    const device = this.ns(client === 'a' ? 'ca' : 'cb');
    const pub = this.ns('pub');
    const port = `r${client}`;
    run('ip', ['-n', router, 'link', 'add', 'wan', 'type', 'veth', 'peer', 'name', port, 'netns', pub]);
    run('ip', ['-n', pub, 'link', 'set', port, 'master', 'br0', 'up']);
    run('ip', ['-n', router, 'addr', 'add', `${wan}/${SUBNET_BITS}`, 'dev', 'wan']);
    run('ip', ['-n', router, 'link', 'set', 'wan', 'up']);

    run('ip', ['-n', device, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'lan', 'netns', router]);
    run('ip', ['-n', router, 'addr', 'add', `${lan}.1/24`, 'dev', 'lan']);
    run('ip', ['-n', router, 'link', 'set', 'lan', 'up']);
    run('ip', ['-n', device, 'addr', 'add', `${lan}.2/24`, 'dev', 'eth0']);
    run('ip', ['-n', device, 'link', 'set', 'eth0', 'up']);
    run('ip', ['-n', device, 'route', 'add', 'default', 'via', `${lan}.1`]);

    this.inNs(router, 'sysctl', ['-qw', 'net.ipv4.ip_forward=1']);
    this.inNs(
      router,
      'nft',
      ['-f', '-'],
      `table ip lab {
        chain postrouting {
          type nat hook postrouting priority srcnat; policy accept;
          oifname "wan" masquerade fully-random
        }
        # Impairments of what this client receives (see setLoss).
        chain impair {
        }
        # Servers this client cannot reach (see blockServer).
        chain blocked {
        }
        chain forward {
          type filter hook forward priority filter; policy drop;
          iifname "lan" jump blocked
          iifname "lan" oifname "wan" accept
          iifname "wan" oifname "lan" ct state established,related jump impair
          iifname "wan" oifname "lan" ct state established,related accept
        }
        chain input {
          type filter hook input priority filter; policy accept;
          iifname "wan" ct state new drop
        }
      }`,
    );
  }

  /** A Chromium executable for Playwright that runs inside the client's namespace. */
  chromiumFor(client: LabClient): string {
    const wrapper = path.join(this.#dir, `chromium-${client}.sh`);
    const ns = this.ns(client === 'a' ? 'ca' : 'cb');
    writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${ns} ${chromiumPath} "$@"\n`);
    chmodSync(wrapper, 0o755);
    return wrapper;
  }

  /** Drops `percent` % of the packets the client receives, at random (0 removes the loss). */
  setLoss(client: LabClient, percent: number): void {
    const router = this.ns(client === 'a' ? 'ra' : 'rb');
    this.inNs(router, 'nft', ['flush', 'chain', 'ip', 'lab', 'impair']);
    if (percent > 0) {
      this.inNs(router, 'nft', [
        'add',
        'rule',
        'ip',
        'lab',
        'impair',
        'numgen',
        'random',
        'mod',
        '100',
        '<',
        String(Math.round(percent)),
        'drop',
      ]);
    }
  }

  /**
   * Drops everything the client sends to `server` (TCP and UDP), like a network that lets nothing reach
   * it; null lets everything through again.
   */
  blockServer(client: LabClient, server: { host: string; port: number } | null): void {
    const router = this.ns(client === 'a' ? 'ra' : 'rb');
    this.inNs(router, 'nft', ['flush', 'chain', 'ip', 'lab', 'blocked']);
    if (server !== null) {
      const rule = ['ip', 'daddr', server.host, 'th', 'dport', String(server.port), 'drop'];
      this.inNs(router, 'nft', ['add', 'rule', 'ip', 'lab', 'blocked', ...rule]);
    }
  }

  /** Caps the client's uplink at `kbit` kbit/s with a token bucket (null lifts the cap). */
  setUplinkCap(client: LabClient, kbit: number | null): void {
    const router = this.ns(client === 'a' ? 'ra' : 'rb');
    // The uplink leaves the NAT on its wan side; a 100 ms queue is what a congested home uplink buffers.
    spawnSync('ip', ['netns', 'exec', router, 'tc', 'qdisc', 'del', 'dev', 'wan', 'root'], {
      stdio: 'ignore',
    });
    if (kbit !== null) {
      this.inNs(router, 'tc', [
        'qdisc',
        'add',
        'dev',
        'wan',
        'root',
        'tbf',
        'rate',
        `${kbit}kbit`,
        'burst',
        '6kb',
        'latency',
        '100ms',
      ]);
    }
  }

  /** Removes every namespace (and with them their links, rules and qdiscs) and the host's end of the lab. */
  destroy(): void {
    for (const ns of this.#created.splice(0).reverse()) {
      const pids = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' })
        .stdout.split(/\s+/)
        .filter(Boolean);
      for (const pid of pids) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
      spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    }
    // Deleting "pub" removes the veth peer and with it the host's end; this covers a build that failed before.
    if (this.#hostLink) spawnSync('ip', ['link', 'del', this.#hostLink], { stdio: 'ignore' });
    this.#hostLink = null;
    rmSync(this.#dir, { recursive: true, force: true });
  }
}
