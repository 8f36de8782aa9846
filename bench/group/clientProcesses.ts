/**
 * The parent's side of the client processes (clientWorker.ts): forks them, deals the clients out round-robin
 * (client i lives in process i mod n, so consecutive joiners land in different processes), and sends requests
 * to one process or to all of them. A process that dies fails its pending requests and is reported as an error.
 */
import { fork, type ChildProcess } from 'node:child_process';
import type {
  FromWorker,
  ToWorker,
  WorkerClientSpec,
  WorkerReplies,
  WorkerRequest,
} from './workerProtocol.ts';

const CLIENT_WORKER = new URL('./clientWorker.ts', import.meta.url).pathname;
/** A request that takes longer than this means the process hangs: the bench fails instead of waiting forever. */
const REQUEST_TIMEOUT_MS = 180_000;

type RequestOf<K extends WorkerRequest['type']> = Extract<WorkerRequest, { type: K }>;

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

class ClientProcess {
  readonly child: ChildProcess;
  readonly indexes: number[];
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;

  constructor(indexes: number[], onClientError: (message: string) => void) {
    this.indexes = indexes;
    this.child = fork(CLIENT_WORKER, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (message: FromWorker) => {
      if (message.id === null) {
        onClientError(message.clientError);
        return;
      }
      const pending = this.#pending.get(message.id);
      if (!pending) return;
      this.#pending.delete(message.id);
      clearTimeout(pending.timer);
      if (message.ok) pending.resolve(message.value);
      else pending.reject(new Error(message.error));
    });
    this.child.once('exit', (code, signal) => {
      const error = new Error(`client process ${this.child.pid} exited (${signal ?? code})`);
      for (const pending of this.#pending.values()) {
        clearTimeout(pending.timer);
        pending.reject(error);
      }
      this.#pending.clear();
    });
  }

  request<K extends WorkerRequest['type']>(request: RequestOf<K>): Promise<WorkerReplies[K]> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        reject(new Error(`client process ${this.child.pid} is gone`));
        return;
      }
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`client process ${this.child.pid}: ${request.type} timed out`));
      }, REQUEST_TIMEOUT_MS);
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject, timer });
      this.child.send({ id, request } satisfies ToWorker);
    });
  }
}

export class ClientProcesses {
  /** Asynchronous client failures reported by the processes, as they come. */
  readonly errors: string[];
  readonly #processes: ClientProcess[];

  private constructor(processes: ClientProcess[], errors: string[]) {
    this.#processes = processes;
    this.errors = errors;
  }

  /** Forks `count` processes and connects every client's socket, each in its process. */
  static async start(
    count: number,
    setup: Omit<RequestOf<'connect'>, 'type' | 'clients'>,
    clients: readonly WorkerClientSpec[],
  ): Promise<ClientProcesses> {
    const n = Math.max(1, Math.min(count, clients.length));
    const errors: string[] = [];
    const processes = Array.from(
      { length: n },
      (_, p) =>
        new ClientProcess(
          clients.filter((c) => c.index % n === p).map((c) => c.index),
          (message) => errors.push(message),
        ),
    );
    const pool = new ClientProcesses(processes, errors);
    try {
      await Promise.all(
        processes.map((p) =>
          p.request({
            type: 'connect',
            ...setup,
            clients: clients.filter((c) => p.indexes.includes(c.index)),
          }),
        ),
      );
    } catch (error) {
      await pool.close();
      throw error;
    }
    return pool;
  }

  get count(): number {
    return this.#processes.length;
  }

  get pids(): number[] {
    return this.#processes.map((p) => p.child.pid ?? -1);
  }

  /** The same request to every process; replies in process order. */
  all<K extends WorkerRequest['type']>(request: RequestOf<K>): Promise<Array<WorkerReplies[K]>> {
    return Promise.all(this.#processes.map((p) => p.request(request)));
  }

  /** A request to the process hosting client `index`. */
  to<K extends WorkerRequest['type']>(index: number, request: RequestOf<K>): Promise<WorkerReplies[K]> {
    const host = this.#processes.find((p) => p.indexes.includes(index));
    if (!host) throw new Error(`no process hosts client ${index}`);
    return host.request(request);
  }

  /** Closes every client (peer connections, media, sockets) and waits for the processes to exit. */
  async close(): Promise<void> {
    await Promise.all(
      this.#processes.map(async (p) => {
        const exited = new Promise((resolve) => {
          if (p.child.exitCode !== null || p.child.signalCode !== null) resolve(null);
          else p.child.once('exit', resolve);
        });
        await p.request({ type: 'close' }).catch(() => null);
        const timer = setTimeout(() => p.child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }),
    );
  }
}
