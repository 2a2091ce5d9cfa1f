/**
 * The peer programs of the bench's program phases (bench/programs.ts) as
 * child processes: `python3 worker.py`, `node publisher_confirms.mjs`, the
 * bare amqplib loops on Deno. Like tools/lib/program.ts, which runs the
 * project's own programs through `deno task`: a process group of their own
 * (as a terminal gives a command), their output line by line as it arrives,
 * and signals to the whole group. Also the /proc readings the bench takes of
 * a running child: its process tree, CPU time and peak memory.
 *
 * @module
 */
import { PollTimeout, pollUntil } from "../tools/lib/poll.ts";

const PROJECT_ROOT = new URL("../", import.meta.url);

/** What the bench needs of a running program, whichever way it was started. */
export interface Running {
  /** The process id of the command started (for a program, `deno task`'s). */
  readonly pid: number;
  /** Lines printed on stdout so far. */
  readonly stdout: string[];
  /** Lines printed on stderr so far. */
  readonly stderr: string[];
  /** Resolves with the exit code once the process has exited and its output is read. */
  readonly exited: Promise<number>;
  /** Waits until `count` lines of stdout match `pattern`. */
  waitFor(pattern: RegExp | string, options?: { count?: number; timeoutMs?: number }): Promise<
    string[]
  >;
  /** Sends `signal` to the process group. */
  kill(signal?: Deno.Signal): void;
  /** Sends `signal` to the process group and resolves with the exit code. */
  stop(signal?: Deno.Signal): Promise<number>;
}

/** Options for {@link Child.start}. */
export interface ChildOptions {
  /** Extra environment variables (the rest is inherited). */
  env?: Record<string, string>;
  /** Called with every line the child prints, as it arrives. */
  onLine?: (line: string, stream: "stdout" | "stderr") => void;
}

/**
 * A command running in a process group of its own, its output collected
 * line by line.
 *
 * @example
 * ```ts
 * const worker = Child.start("/usr/bin/python3", ["bench/peers/worker.py"], { env: { QUEUE: "q" } });
 * await worker.waitFor("Waiting for messages");
 * await worker.stop("SIGTERM");
 * ```
 */
export class Child implements Running {
  readonly stdout: string[] = [];
  readonly stderr: string[] = [];
  readonly exited: Promise<number>;
  readonly #child: Deno.ChildProcess;
  #waiters: (() => void)[] = [];

  private constructor(command: string, args: string[], options: ChildOptions) {
    this.#child = new Deno.Command(command, {
      args,
      cwd: PROJECT_ROOT,
      env: options.env,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      detached: true,
    }).spawn();
    const read = (stream: ReadableStream<Uint8Array>, name: "stdout" | "stderr") =>
      readLines(stream, (line) => {
        this[name].push(line);
        options.onLine?.(line, name);
        for (const wake of this.#waiters.splice(0)) wake();
      });
    const output = Promise.all([
      read(this.#child.stdout, "stdout"),
      read(this.#child.stderr, "stderr"),
    ]);
    this.exited = Promise.all([this.#child.status, output]).then(([status]) => {
      for (const wake of this.#waiters.splice(0)) wake();
      return status.code;
    });
  }

  /** Starts `command` with `args` in the project's root folder. */
  static start(command: string, args: string[] = [], options: ChildOptions = {}): Child {
    return new Child(command, args, options);
  }

  get pid(): number {
    return this.#child.pid;
  }

  async waitFor(
    pattern: RegExp | string,
    options: { count?: number; timeoutMs?: number } = {},
  ): Promise<string[]> {
    const { count = 1, timeoutMs = 20_000 } = options;
    let exited = false;
    this.exited.then(() => exited = true);
    const what = `${count} line(s) matching ${pattern}`;
    const output = () => `stdout: ${this.stdout.slice(-5)}; stderr: ${this.stderr.slice(-5)}`;
    try {
      return await pollUntil(what, () => {
        const found = this.stdout.filter((line) =>
          typeof pattern === "string" ? line.includes(pattern) : pattern.test(line)
        );
        if (found.length >= count) return found.slice(0, count);
        if (exited) throw new Error(`Exited before ${what}; ${output()}`);
      }, {
        timeoutMs,
        intervalMs: 100,
        changed: () => new Promise((resolve) => this.#waiters.push(resolve)),
      });
    } catch (error) {
      if (error instanceof PollTimeout) throw new Error(`Timed out before ${what}; ${output()}`);
      throw error;
    }
  }

  kill(signal: Deno.Signal = "SIGINT"): void {
    Deno.kill(-this.#child.pid, signal);
  }

  async stop(signal: Deno.Signal = "SIGINT"): Promise<number> {
    try {
      this.kill(signal);
    } catch {
      // already exited
    }
    return await this.exited;
  }
}

/** The process ids of `pid` and all its descendants, from /proc (Linux); `[pid]` elsewhere. */
export function processTree(pid: number): number[] {
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    try {
      for (const task of Deno.readDirSync(`/proc/${tree[i]}/task`)) {
        const children = Deno.readTextFileSync(`/proc/${tree[i]}/task/${task.name}/children`);
        tree.push(...children.trim().split(/\s+/).filter(Boolean).map(Number));
      }
    } catch {
      // gone, or no /proc
    }
  }
  return tree;
}

/**
 * The process of the program itself under `deno task`: the deepest `deno`
 * process of the tree (deno task starts `deno run` as its child).
 */
export function programPid(taskPid: number): number {
  const tree = processTree(taskPid);
  return tree.at(-1)!;
}

/**
 * The peak resident memory (VmHWM) of a process, in bytes, from
 * /proc/PID/status; undefined where it cannot be read.
 */
export function peakRssBytes(pid: number): number | undefined {
  try {
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    const kB = status.match(/^VmHWM:\s+(\d+) kB/m)?.[1];
    return kB === undefined ? undefined : Number(kB) * 1024;
  } catch {
    return undefined;
  }
}

async function readLines(stream: ReadableStream<Uint8Array>, onLine: (line: string) => void) {
  let pending = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    const lines = (pending + chunk).split("\n");
    pending = lines.pop()!;
    lines.forEach(onLine);
  }
  if (pending) onLine(pending);
}
