/**
 * Running this project's programs as child processes exactly as a person
 * runs them, through `deno task NAME` in a process group of their own (as a
 * terminal runs a command), and reading their output line by line: for the
 * demo, the bench and the tests. Signals go to the whole group, as Ctrl+C in
 * a terminal does: to `deno task` and to the program it started.
 *
 * @module
 */
import { PollTimeout, pollUntil } from "./poll.ts";

const PROJECT_ROOT = new URL("../../", import.meta.url);

/** Options for {@link Program.start} and {@link runTask}. */
export interface ProgramOptions {
  /** Extra environment variables for the child. */
  env?: Record<string, string>;
  /** Called with every line the child prints, e.g. to echo it with a label. */
  onLine?: (line: string, stream: "stdout" | "stderr") => void;
  /**
   * Read this file instead of `.env` (the task's `--env-file`). The program
   * then runs from the task's command line instead of through `deno task`,
   * which cannot be pointed at another file.
   */
  envFile?: string;
  /** Variables of this process's environment the child must not inherit. */
  withoutEnv?: string[];
  /** Text for the child's standard input (default: none). */
  stdin?: string;
}

/** Options for {@link Program.waitFor}. */
export interface WaitOptions {
  /** How many matching lines to wait for (default 1). */
  count?: number;
  /** Give up after this many milliseconds (default 20,000). */
  timeoutMs?: number;
  /** Which output to watch (default stdout). */
  stream?: "stdout" | "stderr";
}

/** What a finished program printed and its exit code. */
export interface ProgramResult {
  code: number;
  stdout: string[];
  stderr: string[];
}

/** The tasks of deno.json that run a program (`deno run ...`): name to command line. */
async function programCommands(): Promise<Record<string, string>> {
  const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", PROJECT_ROOT)));
  const commands: Record<string, string> = {};
  for (const [name, task] of Object.entries(config.tasks as Record<string, { command: string }>)) {
    if (task.command.startsWith("deno run ")) commands[name] = task.command;
  }
  return commands;
}

/** The names of every program's task in deno.json. */
export async function programTasks(): Promise<string[]> {
  return Object.keys(await programCommands());
}

/** The command line of a task in deno.json, with `deno` replaced by this Deno. */
export async function taskCommand(task: string): Promise<string[]> {
  const command = (await programCommands())[task];
  if (!command) throw new Error(`No "deno run" task named "${task}"`);
  const [, ...args] = command.split(/\s+/);
  return [Deno.execPath(), ...args];
}

/**
 * A running program whose output lines are collected as they arrive.
 *
 * @example
 * ```ts
 * const worker = await Program.start("worker");
 * await worker.waitFor(/Waiting for messages/);
 * const code = await worker.stop(); // SIGINT, then the exit code
 * ```
 */
export class Program {
  /** Lines printed on stdout so far. */
  readonly stdout: string[] = [];
  /** Lines printed on stderr so far. */
  readonly stderr: string[] = [];
  /** Resolves with the exit code once the program has exited and its output is read. */
  readonly exited: Promise<number>;
  readonly #child: Deno.ChildProcess;
  #waiters: (() => void)[] = [];

  private constructor(command: string[], options: ProgramOptions) {
    this.#child = new Deno.Command(command[0], {
      args: command.slice(1),
      cwd: PROJECT_ROOT,
      clearEnv: true,
      env: { ...inheritedEnv(options.withoutEnv ?? []), ...options.env },
      stdin: options.stdin === undefined ? "null" : "piped",
      stdout: "piped",
      stderr: "piped",
      // A process group of its own (a new session), as a terminal gives a command: signals
      // sent to the group reach `deno task` and the program, as Ctrl+C does.
      detached: true,
    }).spawn();
    if (options.stdin !== undefined) {
      const writer = this.#child.stdin.getWriter();
      writer.write(new TextEncoder().encode(options.stdin)).then(() => writer.close());
    }
    const read = (stream: ReadableStream<Uint8Array>, name: "stdout" | "stderr") =>
      readLines(stream, (line) => {
        this[name].push(line);
        options.onLine?.(line, name);
        this.#notify();
      });
    const output = Promise.all([
      read(this.#child.stdout, "stdout"),
      read(this.#child.stderr, "stderr"),
    ]);
    this.exited = Promise.all([this.#child.status, output]).then(([status]) => {
      this.#notify();
      return status.code;
    });
  }

  #notify(): void {
    for (const wake of this.#waiters.splice(0)) wake();
  }

  /** Resolves at the next line the program prints, or when it exits. */
  #nextChange(): Promise<void> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /**
   * Starts `deno task -q TASK ARGS` (a `deno run` task of deno.json), as a
   * person types it; with `envFile`, the task's command line directly.
   */
  static async start(task: string, args: string[] = [], options: ProgramOptions = {}) {
    if (options.envFile) {
      const [deno, ...flags] = await taskCommand(task);
      const withFile = flags.map((flag) =>
        flag.startsWith("--env-file") ? `--env-file=${options.envFile}` : flag
      );
      return new Program([deno, ...withFile, ...args], options);
    }
    await taskCommand(task); // throws for a task that is not a program
    return new Program([Deno.execPath(), "task", "-q", task, ...args], options);
  }

  /**
   * Starts any command the same way (a process group of its own, its output
   * line by line): the bench's peer programs, `python3 worker.py` and such.
   */
  static command(command: string, args: string[] = [], options: ProgramOptions = {}): Program {
    return new Program([command, ...args], options);
  }

  /** The child's process id. */
  get pid(): number {
    return this.#child.pid;
  }

  /**
   * Waits until `count` lines (of stdout, unless `stream` says otherwise)
   * match `pattern` and returns them. Fails
   * at once if the program exits first, and after the timeout.
   */
  async waitFor(pattern: RegExp | string, options: WaitOptions = {}): Promise<string[]> {
    const { count = 1, timeoutMs = 20_000, stream = "stdout" } = options;
    const matches = () =>
      this[stream].filter((line) =>
        typeof pattern === "string" ? line.includes(pattern) : pattern.test(line)
      );
    let exited = false;
    this.exited.then(() => exited = true);
    const what = `${count} line(s) matching ${pattern}`;
    const output = () =>
      `stdout: ${JSON.stringify(this.stdout)}; stderr: ${JSON.stringify(this.stderr)}`;
    try {
      return await pollUntil(what, () => {
        const found = matches();
        if (found.length >= count) return found.slice(0, count);
        if (exited) throw new Error(`Program exited before ${what}; ${output()}`);
      }, { timeoutMs, intervalMs: 100, changed: () => this.#nextChange() });
    } catch (error) {
      if (error instanceof PollTimeout) throw new Error(`Timed out before ${what}; ${output()}`);
      throw error;
    }
  }

  /**
   * Sends `signal` to the program's process group: to `deno task` and the
   * program, as a terminal does for Ctrl+C (SIGINT) or a kill of the job.
   */
  kill(signal: Deno.Signal = "SIGINT"): void {
    Deno.kill(-this.#child.pid, signal);
  }

  /** Sends `signal` (default SIGINT, as Ctrl+C does) and resolves with the exit code. */
  async stop(signal: Deno.Signal = "SIGINT"): Promise<number> {
    try {
      this.kill(signal);
    } catch {
      // already exited
    }
    return await this.exited;
  }
}

/**
 * Runs the program of `task` to completion and returns its output.
 *
 * @example
 * ```ts
 * const { code, stdout } = await runTask("send", ["Hello"]);
 * ```
 */
export async function runTask(
  task: string,
  args: string[] = [],
  options: ProgramOptions = {},
): Promise<ProgramResult> {
  const program = await Program.start(task, args, options);
  const code = await program.exited;
  return { code, stdout: program.stdout, stderr: program.stderr };
}

function inheritedEnv(without: string[]): Record<string, string> {
  const env = Deno.env.toObject();
  for (const name of without) delete env[name];
  return env;
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
