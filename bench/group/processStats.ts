/**
 * CPU and memory of a process (Janus, the backend, this bench's own clients) from /proc (Linux). CPU is the
 * process's user + system time over a window, as a percentage of one core: 100% = one core fully busy,
 * so a multi-threaded process can exceed 100 on a multi-core machine. The host's busy time, less what the
 * bench's own processes used, tells how much other jobs took during a window.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat's times (almost always 100). */
const CLOCK_TICKS = readClockTicks();

export interface CpuMark {
  at: number;
  cpuSeconds: number;
}

export function cpuMark(pid: number): CpuMark {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces and parentheses: count fields after its closing ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return { at: performance.now(), cpuSeconds: (utime + stime) / CLOCK_TICKS };
}

export function cpuPercentOfOneCore(before: CpuMark, after: CpuMark): number {
  const seconds = (after.at - before.at) / 1000;
  return Math.round(((after.cpuSeconds - before.cpuSeconds) / seconds) * 1000) / 10;
}

export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
  if (kib === undefined) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(kib) * 1024;
}

function readClockTicks(): number {
  try {
    const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isInteger(ticks) && ticks > 0 ? ticks : 100;
  } catch {
    return 100;
  }
}

/** Busy CPU time of the whole host (all cores, every process and the kernel), from /proc/stat. */
export function hostCpuMark(): CpuMark {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((sum, value) => sum + value, 0);
  // idle and iowait are the 4th and 5th fields.
  const busy = total - (fields[3] ?? 0) - (fields[4] ?? 0);
  return { at: performance.now(), cpuSeconds: busy / CLOCK_TICKS };
}
