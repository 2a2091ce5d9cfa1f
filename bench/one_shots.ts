/**
 * How long a one-shot program takes, as a whole process from spawn to exit
 * (send, new_task, emit_log, rpc_client), and where the milliseconds of
 * `deno task send` go, step by step, beside `python3 send.py`.
 *
 * @module
 */
import { fileURLToPath as fromFileUrl } from "node:url";
import { Program, taskCommand } from "../tools/lib/program.ts";
import { AWAITING_RPC } from "../tools/lib/ready_lines.ts";
import type { Sample } from "./clock.ts";
import {
  type BenchEnv,
  type Column,
  lastWords,
  type Names,
  PEERS,
  startColumn,
} from "./columns.ts";
import { median, RunFailure, within } from "./measure.ts";
import { deleteExchange, deleteQueue, uniqueName } from "./queues.ts";
import { RPC_ANSWER, RPC_N } from "./rpc.ts";

/** A one-shot program: what it runs on, and the line that says it did its work. */
export interface OneShot {
  id: "send" | "new_task" | "emit_log" | "rpc_client";
  label: string;
  done: RegExp;
  /** Its queue, or its exchange. */
  declares: keyof Names;
}

export const ONE_SHOTS: OneShot[] = [
  {
    id: "send",
    label: "send: one message to the durable quorum queue",
    done: /^ \[x\] Sent/,
    declares: "queue",
  },
  {
    id: "new_task",
    label: "new_task: one persistent task",
    done: /^ \[x\] Sent/,
    declares: "queue",
  },
  {
    id: "emit_log",
    label: "emit_log: one message to the fanout exchange",
    done: /^ \[x\] Sent/,
    declares: "exchange",
  },
  {
    id: "rpc_client",
    label: `rpc_client: one call, fib(${RPC_N})`,
    done: new RegExp(`^ \\[\\.\\] Got ${RPC_ANSWER}$`),
    declares: "queue",
  },
];

/** Starts a process and resolves with its wall time, from spawn to exit, once it succeeded. */
async function timed(what: string, start: () => Promise<Program>, done?: RegExp) {
  const started = performance.now();
  const running = await start();
  const code = await within(running.exited, `${what} to exit`).catch(async (error) => {
    await running.stop("SIGKILL");
    throw error;
  });
  const ms = performance.now() - started;
  if (code !== 0 || (done && !running.stdout.some((line) => done.test(line)))) {
    throw new RunFailure(
      `${what} exited with code ${code}: ${lastWords(running)}`,
    );
  }
  return { ms, stdout: running.stdout };
}

/**
 * `launches` launches of the column's one-shot program on names of this run
 * (rpc_client's calls answered by the bare rpc_server); the run's figure is
 * their median.
 */
export async function launches(
  env: BenchEnv,
  column: Column,
  job: OneShot,
  count: number,
): Promise<Sample> {
  const names = { [job.declares]: uniqueName(job.id) };
  const server = job.id === "rpc_client"
    ? await startColumn(env, "bare", "rpc_server", names, { longRunning: true })
    : undefined;
  try {
    await server?.waitFor(AWAITING_RPC);
    const times: number[] = [];
    const args = job.id === "rpc_client" ? [String(RPC_N)] : [];
    for (let i = 0; i < count; i++) {
      const start = () => startColumn(env, column, job.id, names, { args });
      times.push((await timed(`${job.id} (${column})`, start, job.done)).ms);
    }
    return { ms: median(times) };
  } finally {
    await server?.stop("SIGINT");
    if (names.queue) await deleteQueue(env.url, names.queue);
    if (names.exchange) await deleteExchange(env.url, names.exchange);
  }
}

/** Where the milliseconds of `deno task send` and `python3 send.py` go: medians, by step. */
export interface SendSteps {
  launches: number;
  /** Step name to milliseconds, for Deno (`deno task send`) and pika (`python3 send.py`). */
  deno: Record<string, number>;
  pika?: Record<string, number>;
}

/**
 * Where `deno task send`'s milliseconds go, beside `python3 send.py`'s:
 * whole-process times of `deno task -q send`, of the task's own command line
 * (`deno run ... scripts/send.ts`, without `deno task`), and of `python3
 * send.py`; and step by step, bench/send_steps.ts and
 * bench/peers/send_steps.py, which do what send does and print the wall
 * clock after each step. Medians over `count` launches of each.
 */
export async function sendSteps(env: BenchEnv, count: number): Promise<SendSteps> {
  const queue = uniqueName("send_steps");
  const childEnv = { env: { AMQP_URL: env.url, QUEUE: queue, PYTHONDONTWRITEBYTECODE: "1" } };
  const run = (command: string[]) =>
    timed(
      command.join(" "),
      () => Promise.resolve(Program.command(command[0], command.slice(1), childEnv)),
    );
  const denoRun = await taskCommand("send");
  const flags = denoRun.slice(1, denoRun.indexOf("scripts/send.ts"));
  const stepsTs = fromFileUrl(new URL("./send_steps.ts", import.meta.url));
  const peer = (file: string) => [env.python!, fromFileUrl(new URL(file, PEERS))];
  const samples: Record<string, number[]> = {};
  const add = (key: string, ms: number) => (samples[key] ??= []).push(ms);
  /** The steps of a send_steps run, from the marks it printed on its last line. */
  const steps = async (prefix: string, command: string[]) => {
    const spawnedAt = performance.timeOrigin + performance.now();
    const { ms, stdout } = await run(command);
    const marks = JSON.parse(stdout.at(-1)!) as Record<string, number>;
    let previous = spawnedAt;
    for (
      const mark of ["start", "loaded", "connected", "channel", "declared", "published", "closed"]
    ) {
      add(`${prefix}.${mark}`, marks[mark] - previous);
      previous = marks[mark];
    }
    add(`${prefix}.exit`, spawnedAt + ms - previous);
    add(`${prefix}.steps`, ms);
  };
  try {
    for (let i = 0; i < count; i++) {
      add("deno.task", (await run([Deno.execPath(), "task", "-q", "send", "--queue", queue])).ms);
      add("deno.run", (await run([...denoRun, "--queue", queue])).ms);
      await steps("deno", [Deno.execPath(), ...flags, stepsTs, "--queue", queue]);
      if (env.python) {
        add("pika.total", (await run(peer("send.py"))).ms);
        await steps("pika", peer("send_steps.py"));
      }
    }
  } finally {
    await deleteQueue(env.url, queue);
  }
  const medians = (prefix: string) =>
    Object.fromEntries(
      Object.entries(samples).filter(([key]) => key.startsWith(`${prefix}.`))
        .map(([key, values]) => [key.slice(prefix.length + 1), median(values)]),
    );
  return {
    launches: count,
    deno: medians("deno"),
    ...(env.python ? { pika: medians("pika") } : {}),
  };
}
