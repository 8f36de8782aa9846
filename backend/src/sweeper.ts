import type { Logger } from './logger.ts';

export interface SweepTask {
  name: string;
  everyMs: number;
  run(): Promise<void>;
}

/**
 * Runs periodic database sweeps (ring timeouts, reconnect graces, expired TURN credentials). Each round
 * starts after the previous one finished, so a slow database never piles up overlapping sweeps; with several
 * nodes every node sweeps and the conditional updates let exactly one of them act on each row.
 */
export function startSweeper(
  tickMs: number,
  tasks: readonly SweepTask[],
  logger: Logger,
): { stop(): Promise<void> } {
  const lastRun = new Map<string, number>();
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;

  async function round(): Promise<void> {
    const now = Date.now();
    for (const task of tasks) {
      if (now - (lastRun.get(task.name) ?? 0) < task.everyMs) continue;
      lastRun.set(task.name, now);
      try {
        await task.run();
      } catch (err) {
        logger.error({ err, task: task.name }, 'sweep failed');
      }
    }
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      running = round().finally(schedule);
    }, tickMs);
    timer.unref();
  }
  schedule();

  return {
    async stop() {
      stopped = true;
      if (timer !== null) clearTimeout(timer);
      await running;
    },
  };
}
