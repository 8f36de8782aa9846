/**
 * `CALL_BENCH_PROFILE=1` for bench:call: every call also prints where its time went, from hooks put around the
 * page's own APIs (fetch, getUserMedia, RTCPeerConnection, the signaling WebSocket) as performance marks.
 * Profiling only: the app itself logs nothing, and without the variable nothing is hooked.
 */
import type { Page } from 'playwright-core';
import { percentile } from './stats.ts';

/** One performance mark of a profiled page, on the wall clock so that both pages share a time axis. */
export interface ProfileMark {
  page: 'caller' | 'callee';
  name: string;
  at: number;
}

/** Runs in every page before its scripts (addInitScript): marks around the APIs a call goes through. */
export function installProfilingHooks(): void {
  const mark = (name: string) => performance.mark(`cb:${name}`);
  const nativeFetch = window.fetch.bind(window);
  window.fetch = async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const route = new URL(url, location.href).pathname.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, ':id');
    const label = `${init?.method ?? 'GET'} ${route}`;
    mark(`fetch> ${label}`);
    try {
      return await nativeFetch(input, init);
    } finally {
      mark(`fetch< ${label}`);
    }
  };

  const nativeGetUserMedia = MediaDevices.prototype.getUserMedia;
  MediaDevices.prototype.getUserMedia = async function (constraints) {
    mark('getUserMedia>');
    try {
      return await nativeGetUserMedia.call(this, constraints);
    } finally {
      mark('getUserMedia<');
    }
  };

  // When a track goes onto a sender: answering a pre-connected call only does this (no new offer).
  const nativeReplaceTrack = RTCRtpSender.prototype.replaceTrack;
  RTCRtpSender.prototype.replaceTrack = async function (track) {
    const label = `replaceTrack ${track?.kind ?? 'null'}`;
    mark(`${label}>`);
    try {
      return await nativeReplaceTrack.call(this, track);
    } finally {
      mark(`${label}<`);
    }
  };

  const Native = window.RTCPeerConnection;
  for (const method of ['setLocalDescription', 'setRemoteDescription'] as const) {
    const original = Native.prototype[method] as (...args: unknown[]) => Promise<void>;
    Native.prototype[method] = async function (this: RTCPeerConnection, ...args: unknown[]) {
      const type = (args[0] as RTCSessionDescriptionInit | undefined)?.type ?? 'implicit';
      mark(`${method}> ${type}`);
      try {
        return await original.apply(this, args);
      } finally {
        mark(`${method}< ${type}`);
      }
    } as never;
  }
  const nativeAddIceCandidate = Native.prototype.addIceCandidate as (...args: unknown[]) => Promise<void>;
  Native.prototype.addIceCandidate = function (this: RTCPeerConnection, ...args: unknown[]) {
    mark('addIceCandidate');
    return nativeAddIceCandidate.apply(this, args);
  } as never;
  window.RTCPeerConnection = class extends Native {
    constructor(configuration?: RTCConfiguration) {
      super(configuration);
      mark('pc new');
      let candidates = 0;
      this.addEventListener('negotiationneeded', () => mark('pc negotiationneeded'));
      this.addEventListener('icecandidate', (e) => {
        if (e.candidate && candidates++ === 0) mark(`pc first candidate (${e.candidate.type})`);
        if (!e.candidate) mark(`pc gathering done (${candidates})`);
      });
      this.addEventListener('iceconnectionstatechange', () => mark(`pc ice ${this.iceConnectionState}`));
      this.addEventListener('track', (e) => mark(`pc track ${e.track.kind}`));
      this.addEventListener('connectionstatechange', () => {
        mark(`pc ${this.connectionState}`);
        if (this.connectionState !== 'connected') return;
        // Sent/received frames from here on, to split the last stretch into encoder and decoder time.
        const poll = setInterval(() => {
          if (this.connectionState !== 'connected') return clearInterval(poll);
          void this.getStats().then((report) => {
            for (const entry of report.values()) {
              if (entry.kind !== 'video') continue;
              if (entry.type === 'outbound-rtp' && entry.framesSent > 0) mark('pc first video frame sent');
              if (entry.type === 'inbound-rtp' && entry.framesReceived > 0)
                mark('pc first video frame received');
            }
          });
        }, 5);
      });
    }
  };

  const ackEvents = new Map<string, string>();
  window.WebSocket = class extends WebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      this.addEventListener('message', (e) => {
        const packet = /^4([23])(\d*)\["?([^",\]]*)/.exec(String(e.data));
        if (!packet) return;
        const [, type, id, name] = packet;
        mark(type === '2' ? `ws< ${name}` : `ws< ack ${ackEvents.get(id!) ?? '?'}`);
      });
    }

    override send(data: string | ArrayBufferLike | Blob | ArrayBufferView): void {
      const packet = /^42(\d*)\["([^"]*)"/.exec(String(data));
      if (packet) {
        if (packet[1]) ackEvents.set(packet[1], packet[2]!);
        mark(`ws> ${packet[2]}`);
      }
      super.send(data as string);
    }
  };
}

/** The marks of a page since the last call, cleared for the next one; each kind counted once (its first). */
export async function takeMarks(page: Page, role: ProfileMark['page']): Promise<ProfileMark[]> {
  const marks = await page.evaluate(() => {
    const entries = performance
      .getEntriesByType('mark')
      .filter((m) => m.name.startsWith('cb:'))
      .map((m) => ({ name: m.name.slice(3), at: performance.timeOrigin + m.startTime }));
    performance.clearMarks();
    return entries;
  });
  const seen = new Set<string>();
  return marks
    .filter((m) => !seen.has(m.name) && seen.add(m.name))
    .map((m) => ({ page: role, name: m.name, at: m.at }));
}

/** Every mark's median offset from the answer click, in the order a call goes through them. */
export function printProfile(calls: ProfileMark[][]): void {
  const offsets = new Map<string, number[]>();
  for (const marks of calls) {
    const click = marks.find((m) => m.page === 'callee' && m.name === 'answer click')?.at;
    if (click === undefined) continue;
    for (const m of marks) {
      const key = `${m.page.padEnd(6)} ${m.name}`;
      offsets.set(key, [...(offsets.get(key) ?? []), m.at - click]);
    }
  }
  const rows = [...offsets].map(([key, values]) => ({ key, p50: percentile(values, 50), n: values.length }));
  console.log('\nmedian offset from the answer click (ms), over the profiled calls that rang:');
  for (const row of rows.sort((a, b) => a.p50 - b.p50)) {
    console.log(
      `  ${row.p50.toFixed(0).padStart(6)}  ${row.key}${row.n < calls.length ? ` (${row.n}x)` : ''}`,
    );
  }
}
