/**
 * The host's UDP counters and socket receive-buffer limits (Linux /proc).
 *
 * RcvbufErrors counts datagrams the kernel dropped because a socket's receive buffer was full: the sign that
 * the clients' network threads did not drain their sockets in time (the media then looks lost to WebRTC,
 * which throttles the senders). The counters are host-wide (IPv4 + IPv6): other jobs' traffic counts too.
 *
 * libwebrtc asks for a 256 KiB receive buffer on its media sockets itself (the kernel doubles it: full queues
 * show ~512 KiB), so raising net.core.rmem_default changes nothing for the clients' sockets; it does give
 * Janus's sockets (libnice asks for no size) more room. The bench raises rmem_max / rmem_default when it may
 * (root) and puts the old values back at the end. Nothing depends on it.
 */
import { readFileSync, writeFileSync } from 'node:fs';

export interface UdpCounters {
  datagramsReceived: number;
  receiveBufferErrors: number;
}

const RMEM_FILES = {
  max: '/proc/sys/net/core/rmem_max',
  default: '/proc/sys/net/core/rmem_default',
} as const;

/** IPv4 (/proc/net/snmp) plus IPv6 (/proc/net/snmp6): peers on one host may pair over either. */
export function udpCounters(): UdpCounters | null {
  try {
    const lines = readFileSync('/proc/net/snmp', 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('Udp: '));
    const [names, values] = lines.map((line) => line.split(/\s+/).slice(1));
    const v4 = (name: string) => Number(values?.[names?.indexOf(name) ?? -1]);
    const v6Lines = new Map(
      readFileSync('/proc/net/snmp6', 'utf8')
        .split('\n')
        .map((line) => line.trim().split(/\s+/) as [string, string]),
    );
    const v6 = (name: string) => Number(v6Lines.get(`Udp6${name}`) ?? 0);
    const result = {
      datagramsReceived: v4('InDatagrams') + v6('InDatagrams'),
      receiveBufferErrors: v4('RcvbufErrors') + v6('RcvbufErrors'),
    };
    return Number.isFinite(result.datagramsReceived) && Number.isFinite(result.receiveBufferErrors)
      ? result
      : null;
  } catch {
    return null;
  }
}

export function udpDelta(before: UdpCounters | null, after: UdpCounters | null): UdpCounters | null {
  if (!before || !after) return null;
  return {
    datagramsReceived: after.datagramsReceived - before.datagramsReceived,
    receiveBufferErrors: after.receiveBufferErrors - before.receiveBufferErrors,
  };
}

export interface ReceiveBufferTuning {
  /** What the limits are during the run (bytes), and whether the bench changed them. */
  maxBytes: number | null;
  defaultBytes: number | null;
  raised: boolean;
  note: string;
  restore(): void;
}

/** Raises rmem_max / rmem_default to at least `bytes` if this process may; otherwise leaves them. */
export function raiseReceiveBuffers(bytes: number): ReceiveBufferTuning {
  const read = (file: string) => {
    try {
      return Number(readFileSync(file, 'utf8').trim());
    } catch {
      return null;
    }
  };
  const original = { max: read(RMEM_FILES.max), default: read(RMEM_FILES.default) };
  const changed: Array<[string, number]> = [];
  let note = 'unchanged';
  try {
    for (const key of ['max', 'default'] as const) {
      const value = original[key];
      if (value !== null && value < bytes) {
        writeFileSync(RMEM_FILES[key], String(bytes));
        changed.push([RMEM_FILES[key], value]);
      }
    }
    if (changed.length > 0) note = `raised to ${bytes} bytes for the run`;
  } catch (error) {
    note = `could not raise (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): left as is`;
  }
  return {
    maxBytes: read(RMEM_FILES.max),
    defaultBytes: read(RMEM_FILES.default),
    raised: changed.length > 0,
    note,
    restore() {
      for (const [file, value] of changed.splice(0)) {
        try {
          writeFileSync(file, String(value));
        } catch {
          // Best effort: the value only affects buffer sizes of new sockets.
        }
      }
    },
  };
}
