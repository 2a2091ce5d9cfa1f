/**
 * The program phases of `deno task bench` (bench/bench.ts): the project's
 * own programs, run as a person runs them (`deno task NAME`, a child process
 * of its own), each on one job of the tutorials, beside
 *
 * - `bare`: a bare amqplib loop doing the same AMQP work in one Deno process
 *   (bench/peers/NAME.mjs): the floor that amqplib sets;
 * - `pika`: the official Python tutorial's program with pika
 *   (bench/peers/NAME.py), on the same broker, queue type and backlog;
 * - `node`: for publisher_confirms, the bare loops on Node.js with the same
 *   amqplib files, and the Java tutorial's published figures as a reference.
 *
 * A long-running program is timed from its first message line to its last,
 * not from its start; a one-shot program by its whole process, from start to
 * exit. Within a run the variants go one after the other, in an order that
 * rotates from run to run, so a busy moment of the machine does not always
 * hit the same one. Every job uses its own queue or exchange names (the
 * programs take `--queue` / `--exchange`, the peers `QUEUE` / `EXCHANGE`) and
 * deletes them afterwards.
 *
 * @module
 */
import amqp, { type Channel, type ChannelModel } from "amqplib";
import { Buffer } from "node:buffer";
import { dirname } from "node:path";
import { fileURLToPath as fromFileUrl } from "node:url";
import { socketOptions } from "../lib/connect.ts";
import { Program, taskCommand } from "../tools/lib/program.ts";
import { peakRssBytes, programPid, type Running } from "./child.ts";
import { cpuMs, startClock, treeCpuMs } from "./cpu.ts";
import { percentile, PhaseFailure, type Sample } from "./phases.ts";
import { median, medianSample, type TargetCheck } from "./report.ts";

/** Who does a job: our program, or one of its peers. */
export type Variant = "program" | "bare" | "pika" | "node";

/** What the program phases are given. */
export interface ProgramSettings {
  /** The broker URL, passed to every program and peer as AMQP_URL. */
  url: string;
  /** Runs of each job; the tables show the medians. */
  runs: number;
  /** Tasks the worker drains. */
  workerTasks: number;
  /** Messages receive drains. */
  receiveMessages: number;
  /** Messages published to the fanout exchange, each printed by both subscribers. */
  logMessages: number;
  /** Calls made to the RPC server. */
  rpcCalls: number;
  /** Messages per publisher confirms strategy. */
  confirmMessages: number;
  /** Launches of each one-shot program per run, whose median is the run's figure. */
  launches: number;
  /** Messages the worker and receive drain while their peak memory is read. */
  rssMessages: number;
  /** The broker's OS process id, when it runs on this machine: its CPU time. */
  brokerPid?: string;
  /** A python3 that has pika, if any. */
  python?: string;
  /** The node command, if any. */
  node?: string;
  /** Why a column is left out, by variant. */
  missing: Partial<Record<Variant, string>>;
}

/** A variant's runs of a job and their median. */
export interface VariantResult {
  runs: Sample[];
  median: Sample;
  /** One-shot jobs: the wall time of every launch, in milliseconds, run by run. */
  launches?: number[][];
}

/** A job's figures: per variant, and the program's ratios to its peers. */
export interface JobResult {
  /** Stable key, e.g. `worker` or `publisher_confirms_async`. */
  id: string;
  /** What the table calls it. */
  label: string;
  /** `msgs/s` or `calls/s` (higher is faster), or `ms` (a one-shot's whole process). */
  unit: "msgs/s" | "calls/s" | "ms";
  variants: Partial<Record<Variant, VariantResult>>;
  /** Why a variant has no figures. */
  missing: Partial<Record<Variant, string>>;
  /**
   * The program's median over each peer's: for rates, program rate / peer
   * rate (above 1: the program is faster); for `ms`, program time / peer time
   * (below 1: the program is faster).
   */
  ratios: Partial<Record<Exclude<Variant, "program">, number>>;
  /** A published figure to read the others against, e.g. the Java tutorial's. */
  reference?: { label: string; rate: number; ms: number };
  /** The target, and whether the medians meet it (set by the bench). */
  target?: TargetCheck;
}

/** The peak memory of a program draining a backlog. */
export interface RssResult {
  id: string;
  label: string;
  messages: number;
  /** VmHWM of the program's own deno process (not `deno task`'s), in bytes. */
  peakBytes: number;
  /** How long the drain took. */
  seconds: number;
  /** The target, and whether the peak meets it (set by the bench). */
  target?: TargetCheck;
}

/** Where the milliseconds of `deno task send` and `python3 send.py` go: medians, by step. */
export interface SendSteps {
  launches: number;
  /** Step name to milliseconds, for Deno (`deno task send`) and pika (`python3 send.py`). */
  deno: Record<string, number>;
  pika?: Record<string, number>;
}

/** Everything the program phases measured. */
export interface ProgramReport {
  jobs: JobResult[];
  /**
   * Runs that failed and were measured again (each is tried twice): what
   * failed and why. A second failure ends the bench.
   */
  retried: { what: string; error: string }[];
  rss: RssResult[];
  sendSteps: SendSteps;
}

/** Shows a progress line: `step` starts a numbered step, `note` says something else. */
export interface Progress {
  step(text: string): void;
  note(text: string): void;
}

/** The Java tutorial's local figures (tutorial 7, 50,000 messages, client and broker on one machine). */
export const JAVA_TUTORIAL_MS = { individually: 5_549, batch: 2_331, async: 4_054 } as const;

const STRATEGIES = [
  { id: "individually", line: "individually" },
  { id: "batch", line: "in batch" },
  { id: "async", line: "and handled confirms asynchronously" },
] as const;

const PROJECT_ROOT = new URL("../", import.meta.url);
const PEERS = new URL("./peers/", import.meta.url);

/** No new message line for this long: the run has stalled and fails. */
const STALL_MS = 30_000;

const format = (n: number) => Math.round(n).toLocaleString("en-US");

/** A queue or exchange name of this run alone, e.g. `bench.worker.1a2b3c4d`. */
function uniqueName(job: string): string {
  return `bench.${job}.${crypto.randomUUID().slice(0, 8)}`;
}

/**
 * The python3 to run the pika peers with: Debian's (/usr/bin/python3, where
 * python3-pika installs), else the first `python3` on PATH that has pika.
 * Installs python3-pika with apt-get when neither has it and this process
 * runs as root. Returns the command, or why the pika column is left out.
 */
export async function findPython(
  note: (text: string) => void,
): Promise<{ python?: string; why?: string }> {
  const hasPika = async (python: string) => {
    try {
      const { success } = await new Deno.Command(python, {
        args: ["-c", "import pika"],
        stdout: "null",
        stderr: "null",
      }).output();
      return success;
    } catch {
      return false; // no such command
    }
  };
  for (const python of ["/usr/bin/python3", "python3"]) {
    if (await hasPika(python)) return { python };
  }
  const isRoot = Deno.uid() === 0;
  if (isRoot && await commandWorks("apt-get", ["--version"])) {
    note("Installing python3-pika with apt-get, for the pika column ...");
    const env = { DEBIAN_FRONTEND: "noninteractive" };
    const install = () => commandWorks("apt-get", ["install", "-y", "-qq", "python3-pika"], env);
    if (
      (await install() || (await commandWorks("apt-get", ["update", "-qq"], env) &&
        await install())) && await hasPika("/usr/bin/python3")
    ) {
      return { python: "/usr/bin/python3" };
    }
    return { why: "python3-pika is not installed, and apt-get could not install it" };
  }
  return {
    why: `python3-pika is not installed (apt-get install python3-pika${
      isRoot ? "; no apt-get here" : ", as root"
    })`,
  };
}

/**
 * The node command for the Node.js column, with bench/peers/node_modules/amqplib
 * linked to the very amqplib files Deno uses (its npm cache), so both runtimes
 * run the same amqplib version with no npm install. Returns the command, or
 * why the column is left out.
 */
export async function findNode(): Promise<{ node?: string; version?: string; why?: string }> {
  let version: string;
  try {
    const output = await new Deno.Command("node", { args: ["--version"], stderr: "null" }).output();
    if (!output.success) return { why: "node --version failed" };
    version = new TextDecoder().decode(output.stdout).trim();
  } catch {
    return { why: "Node.js is not installed (no node on PATH)" };
  }
  const resolved = import.meta.resolve("amqplib");
  if (!resolved.startsWith("file:")) return { why: `amqplib resolves to ${resolved}, not a file` };
  const amqplibDir = dirname(fromFileUrl(resolved));
  const modules = new URL("node_modules/", PEERS);
  const link = fromFileUrl(new URL("amqplib", modules));
  let current: string | undefined;
  try {
    current = Deno.readLinkSync(link);
  } catch {
    current = undefined;
  }
  if (current !== amqplibDir) {
    Deno.mkdirSync(modules, { recursive: true });
    try {
      Deno.removeSync(link, { recursive: true });
    } catch {
      // not there yet
    }
    Deno.symlinkSync(amqplibDir, link);
  }
  return { node: "node", version };
}

async function commandWorks(command: string, args: string[], env?: Record<string, string>) {
  try {
    return (await new Deno.Command(command, { args, env, stdout: "null", stderr: "null" }).output())
      .success;
  } catch {
    return false;
  }
}

/** Names a variant's job uses: the program gets them as flags, the peers as QUEUE / EXCHANGE. */
export interface Names {
  queue?: string;
  exchange?: string;
}

/** What {@link startVariant} needs to know: the broker, and the peers' commands. */
export type Runners = Pick<ProgramSettings, "url" | "python" | "node">;

/**
 * Starts `peer` (a task name, which is also the peers' file name) as the
 * variant: `deno task -q NAME --queue Q` for the program, the peer files
 * otherwise, with the names in the environment (QUEUE, EXCHANGE). A
 * long-running pika peer runs line-buffered, as in a terminal.
 *
 * @example
 * ```ts
 * const worker = await startVariant(runners, "pika", "worker", { queue: "q" }, { longRunning: true });
 * ```
 */
export async function startVariant(
  s: Runners,
  variant: Variant,
  peer: string,
  names: Names,
  options: {
    args?: string[];
    env?: Record<string, string>;
    onLine?: (line: string, stream: "stdout" | "stderr") => void;
    /** A consumer: a pika peer then runs line-buffered, as in a terminal. */
    longRunning?: boolean;
  } = {},
): Promise<Running> {
  const { args = [], onLine } = options;
  const env: Record<string, string> = { AMQP_URL: s.url, ...options.env };
  if (variant === "program") {
    const flags = [
      ...(names.queue ? ["--queue", names.queue] : []),
      ...(names.exchange ? ["--exchange", names.exchange] : []),
    ];
    return await Program.start(peer, [...flags, ...args], { env, onLine });
  }
  if (names.queue) env.QUEUE = names.queue;
  if (names.exchange) env.EXCHANGE = names.exchange;
  const file = (ext: string) => fromFileUrl(new URL(`${peer}.${ext}`, PEERS));
  switch (variant) {
    case "bare":
      return Program.command(
        Deno.execPath(),
        ["run", "-q", "--allow-net", "--allow-env", "--allow-read", file("mjs"), ...args],
        { env, onLine },
      );
    case "node":
      return Program.command(s.node!, [file("mjs"), ...args], { env, onLine });
    case "pika": {
      env.PYTHONDONTWRITEBYTECODE = "1"; // no __pycache__ folder in bench/peers
      const launcher = fromFileUrl(new URL("_line_buffered.py", PEERS));
      const command = options.longRunning ? [launcher, file("py")] : [file("py")];
      return Program.command(s.python!, [...command, ...args], { env, onLine });
    }
  }
}

/** Stops a long-running variant as Ctrl+C does; our program must exit 0. */
async function stopVariant(variant: Variant, running: Running, what: string) {
  const code = await running.stop("SIGINT");
  if (variant === "program" && code !== 0) {
    throw new PhaseFailure(
      `${what} exited with code ${code} on Ctrl+C: ${running.stderr.slice(-3).join(" ")}`,
    );
  }
}

/**
 * Runs `fn` with a channel on a connection of its own, then closes both: the
 * channel first, which waits until everything published on it is sent
 * (closing only the connection may drop what is still in amqplib's buffers).
 */
async function withChannel<T>(url: string, fn: (channel: Channel) => Promise<T>): Promise<T> {
  const connection = await amqp.connect(url, socketOptions(url, { name: "bench" }));
  try {
    const channel = await connection.createChannel();
    channel.on("error", () => {});
    const result = await fn(channel);
    await channel.close();
    return result;
  } finally {
    await connection.close().catch(() => {});
  }
}

/** The durable quorum queue of tutorials 1, 2 and 6, as the programs declare it. */
const QUORUM = { durable: true, arguments: { "x-queue-type": "quorum" } };

/** Declares `queue` as the tutorial does and puts `count` messages in it, confirmed. */
async function fillQueue(url: string, queue: string, count: number, persistent: boolean) {
  const connection = await amqp.connect(url, socketOptions(url, { name: "bench: fill" }));
  try {
    const channel = await connection.createConfirmChannel();
    await channel.assertQueue(queue, QUORUM);
    const body = Buffer.from("Hello World!");
    for (let i = 0; i < count; i++) {
      if (!channel.sendToQueue(queue, body, { persistent })) {
        await new Promise((resolve) => channel.once("drain", resolve));
      }
      // Bounded: 100,000 unconfirmed messages would cost the bench memory for nothing.
      if (i % 10_000 === 9_999) await channel.waitForConfirms();
    }
    await channel.waitForConfirms();
  } finally {
    await connection.close().catch(() => {});
  }
}

async function deleteQueue(url: string, queue: string) {
  await withChannel(url, (channel) => channel.deleteQueue(queue));
}

async function deleteExchange(url: string, exchange: string) {
  await withChannel(url, (channel) => channel.deleteExchange(exchange));
}

/**
 * Times message lines: starts the clock (wall, CPU of the measured processes
 * and of the broker) at the first line matching `first` from any child, and
 * stops it once every child has printed `perChild` lines matching `last`.
 */
class LineClock {
  readonly #done: number[];
  readonly #finished = Promise.withResolvers<Sample>();
  #clock?: ReturnType<typeof startClock>;
  #sample?: Sample;
  #progressAt = performance.now();
  /** The processes whose CPU time counts (set once they are started). */
  pids: number[] = [];

  constructor(
    readonly spec: {
      first: RegExp;
      last: RegExp;
      perChild: number;
      children: number;
      messages: number;
      brokerPid?: string;
    },
  ) {
    this.#done = Array(spec.children).fill(0);
  }

  /** The onLine callback for child number `index`. */
  onLine(index: number) {
    return (line: string, stream: "stdout" | "stderr") => {
      if (stream !== "stdout" || this.#sample) return;
      if (!this.#clock && this.spec.first.test(line)) {
        this.#clock = startClock(this.spec.brokerPid, () => this.#cpuMs());
      }
      if (this.spec.last.test(line)) {
        this.#done[index]++;
        this.#progressAt = performance.now();
        if (this.#clock && this.#done.every((count) => count >= this.spec.perChild)) {
          const { clientCpuUs, ...rest } = this.#clock.stop(this.spec.messages);
          this.#sample = clientCpuUs === undefined ? rest : { ...rest, cpuUs: clientCpuUs };
          this.#finished.resolve(this.#sample);
        }
      }
    };
  }

  #cpuMs(): number | undefined {
    if (this.pids.length === 0) return undefined;
    let sum = 0;
    for (const pid of this.pids) {
      const ms = treeCpuMs(pid);
      if (ms === undefined) return undefined;
      sum += ms;
    }
    return sum;
  }

  /** Resolves with the figures once every line is in; fails when the lines stop coming. */
  async result(what: string, exited: Promise<unknown>[]): Promise<Sample> {
    const timer = setInterval(() => {
      if (performance.now() - this.#progressAt > STALL_MS) {
        this.#finished.reject(
          new PhaseFailure(
            `${what}: no new message line for ${STALL_MS / 1000} s (${
              this.#done.join(" + ")
            } of ${this.spec.perChild} each)`,
          ),
        );
      }
    }, 1000);
    let ended = false;
    const early = Promise.race(exited).then(() => {
      if (!ended) throw new PhaseFailure(`${what} exited before its last message line`);
    });
    try {
      return await Promise.race([this.#finished.promise, early as Promise<never>]);
    } finally {
      ended = true;
      clearInterval(timer);
    }
  }
}

/**
 * The clock of one program draining `count` queued messages: from its first
 * `[x] Received` line to its count-th last line (the worker's `[x] Done`).
 */
function drainClock(job: "worker" | "receive", count: number, brokerPid?: string): LineClock {
  return new LineClock({
    first: /^ \[x\] Received/,
    last: job === "worker" ? /^ \[x\] Done/ : /^ \[x\] Received/,
    perChild: count,
    children: 1,
    messages: count,
    brokerPid,
  });
}

/**
 * worker (N persistent tasks with no work in them) or receive (N messages):
 * the queue is filled first, then the variant drains it.
 */
async function drain(s: ProgramSettings, job: "worker" | "receive", variant: Variant) {
  const queue = uniqueName(job);
  const count = job === "worker" ? s.workerTasks : s.receiveMessages;
  await fillQueue(s.url, queue, count, job === "worker");
  try {
    const clock = drainClock(job, count, s.brokerPid);
    const running = await startVariant(s, variant, job, { queue }, {
      onLine: clock.onLine(0),
      longRunning: true,
    });
    clock.pids = [running.pid];
    try {
      return await clock.result(`${job} (${variant})`, [running.exited]);
    } finally {
      await stopVariant(variant, running, job);
    }
  } finally {
    await deleteQueue(s.url, queue);
  }
}

/**
 * receive_logs: two subscribers of a fanout exchange. Once both are bound,
 * they are paused (SIGSTOP, as Ctrl+Z does) while the bench publishes N
 * messages to the exchange, then resumed: the run times how fast both drain
 * them, from the first message line to the last, as the drains of worker and
 * receive, rather than how the subscribers, the broker and the bench's
 * publisher share two cores.
 */
async function receiveLogs(s: ProgramSettings, variant: Variant): Promise<Sample> {
  const exchange = uniqueName("logs");
  const count = s.logMessages;
  const clock = new LineClock({
    first: /^ \[x\] /,
    last: /^ \[x\] /,
    perChild: count,
    children: 2,
    messages: count,
    brokerPid: s.brokerPid,
  });
  const subscribers: Running[] = [];
  try {
    for (const index of [0, 1]) {
      subscribers.push(
        await startVariant(s, variant, "receive_logs", { exchange }, {
          onLine: clock.onLine(index),
          longRunning: true,
        }),
      );
    }
    clock.pids = subscribers.map((subscriber) => subscriber.pid);
    // Each prints this line once its queue is bound: from then on it gets every message.
    for (const subscriber of subscribers) await subscriber.waitFor("Waiting for logs");
    for (const subscriber of subscribers) subscriber.kill("SIGSTOP");
    try {
      await withChannel(s.url, async (channel) => {
        for (let i = 1; i <= count; i++) {
          if (!channel.publish(exchange, "", Buffer.from(`info: log message ${i}`))) {
            await new Promise((resolve) => channel.once("drain", resolve));
          }
        }
      });
    } finally {
      for (const subscriber of subscribers) subscriber.kill("SIGCONT");
    }
    return await clock.result(
      `receive_logs (${variant})`,
      subscribers.map((subscriber) => subscriber.exited),
    );
  } finally {
    for (const subscriber of subscribers) await stopVariant(variant, subscriber, "receive_logs");
    await deleteExchange(s.url, exchange);
  }
}

/** The n the RPC jobs ask for, as tutorial 6's client does: fib(30) = 832040. */
const RPC_N = 30;
const RPC_ANSWER = "832040";

/**
 * rpc_server: the bench is the one caller, making `rpcCalls` calls one after
 * the other (fib(30)) and timing each; the variant serves them.
 */
async function rpcServer(s: ProgramSettings, variant: Variant): Promise<Sample> {
  const queue = uniqueName("rpc");
  const server = await startVariant(s, variant, "rpc_server", { queue }, { longRunning: true });
  try {
    await server.waitFor(/Awaiting RPC requests/);
    const connection = await amqp.connect(s.url, socketOptions(s.url, { name: "bench: caller" }));
    try {
      const channel = await connection.createChannel();
      // The ready line comes just before the server asks to consume: wait for its consumer.
      const deadline = performance.now() + 20_000;
      while ((await channel.checkQueue(queue)).consumerCount === 0) {
        if (performance.now() > deadline) throw new PhaseFailure("rpc_server never consumed");
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const { queue: replyQueue } = await channel.assertQueue("", { exclusive: true });
      let waiting: { id: string; done: (body: string) => void } | undefined;
      await channel.consume(replyQueue, (msg) => {
        if (waiting && msg?.properties.correlationId === waiting.id) {
          waiting.done(msg.content.toString());
        }
      }, { noAck: true });

      const latencies: number[] = [];
      const clock = startClock(s.brokerPid, () => treeCpuMs(server.pid));
      for (let call = 1; call <= s.rpcCalls; call++) {
        const id = crypto.randomUUID();
        const sentAt = performance.now();
        const reply = new Promise<string>((done) => waiting = { id, done });
        channel.sendToQueue(queue, Buffer.from(String(RPC_N)), {
          correlationId: id,
          replyTo: replyQueue,
        });
        const body = await within(reply, `rpc_server (${variant}): the reply to call ${call}`);
        if (body !== RPC_ANSWER) {
          throw new PhaseFailure(`rpc_server (${variant}) answered "${body}" to fib(${RPC_N})`);
        }
        latencies.push(performance.now() - sentAt);
      }
      const { clientCpuUs, ...sample } = clock.stop(latencies.length);
      latencies.sort((a, b) => a - b);
      return {
        ...sample,
        ...(clientCpuUs === undefined ? {} : { cpuUs: clientCpuUs }),
        p50Ms: percentile(latencies, 50),
        p99Ms: percentile(latencies, 99),
      };
    } finally {
      await connection.close().catch(() => {});
    }
  } finally {
    await stopVariant(variant, server, "rpc_server");
    await deleteQueue(s.url, queue);
  }
}

/**
 * publisher_confirms: the three strategies, each timed by the program (or
 * loop) itself from its "Published N messages ... in T ms" line. CPU time is
 * sampled every 20 ms, so a strategy's CPU per message is what was spent
 * between its start (the line's arrival less its milliseconds) and its line.
 */
async function publisherConfirms(
  s: ProgramSettings,
  variant: Variant,
): Promise<Record<string, Sample>> {
  const prefix = uniqueName("confirms");
  const count = s.confirmMessages;
  const lines: { at: number; ms: number }[] = [];
  const cpu: { at: number; cpuMs?: number; brokerMs?: number }[] = [];
  const started: { running?: Running } = {}; // once started, its CPU time is read
  const sampleCpu = () =>
    cpu.push({
      at: performance.now(),
      cpuMs: started.running && treeCpuMs(started.running.pid),
      brokerMs: s.brokerPid === undefined ? undefined : cpuMs(s.brokerPid),
    });
  const onLine = (line: string, stream: "stdout" | "stderr") => {
    const match = stream === "stdout" &&
      line.match(/^Published [\d,]+ messages .* in ([\d,]+) ms$/);
    if (!match) return;
    sampleCpu();
    lines.push({ at: performance.now(), ms: Number(match[1].replaceAll(",", "")) });
  };
  const options = variant === "program"
    ? { args: ["--count", String(count)], onLine }
    : { env: { COUNT: String(count) }, onLine };
  const running = await startVariant(s, variant, "publisher_confirms", { queue: prefix }, options);
  started.running = running;
  sampleCpu();
  const sampler = setInterval(sampleCpu, 20);
  const code = await running.exited.finally(() => clearInterval(sampler));
  if (code !== 0 || lines.length !== STRATEGIES.length) {
    throw new PhaseFailure(
      `publisher_confirms (${variant}) exited with code ${code}: ${
        [...running.stdout, ...running.stderr].slice(-4).join(" | ")
      }`,
    );
  }
  const samples: Record<string, Sample> = {};
  STRATEGIES.forEach((strategy, i) => {
    const { at, ms } = lines[i];
    const end = cpu.find((reading) => reading.at >= at)!;
    const start = cpu.findLast((reading) => reading.at <= at - ms) ?? cpu[0];
    const sample: Sample = { rate: count / (ms / 1000), ms };
    if (start.cpuMs !== undefined && end.cpuMs !== undefined) {
      sample.cpuUs = (end.cpuMs - start.cpuMs) * 1000 / count;
    }
    if (start.brokerMs !== undefined && end.brokerMs !== undefined) {
      sample.brokerCpuUs = (end.brokerMs - start.brokerMs) * 1000 / count;
    }
    samples[strategy.id] = sample;
  });
  return samples;
}

/** A one-shot job: what it runs, and the line that says it did its work. */
interface OneShot {
  id: "send" | "new_task" | "emit_log" | "rpc_client";
  label: string;
  done: RegExp;
  names: () => Names;
  /** Makes what the job needs (an RPC server) and returns how to clean up. */
  setup: (s: ProgramSettings, names: Names) => Promise<() => Promise<void>>;
}

const ONE_SHOTS: OneShot[] = [
  {
    id: "send",
    label: "send: one message to the durable quorum queue",
    done: /^ \[x\] Sent/,
    names: () => ({ queue: uniqueName("send") }),
    setup: (s, { queue }) => Promise.resolve(() => deleteQueue(s.url, queue!)),
  },
  {
    id: "new_task",
    label: "new_task: one persistent task",
    done: /^ \[x\] Sent/,
    names: () => ({ queue: uniqueName("new_task") }),
    setup: (s, { queue }) => Promise.resolve(() => deleteQueue(s.url, queue!)),
  },
  {
    id: "emit_log",
    label: "emit_log: one message to the fanout exchange",
    done: /^ \[x\] Sent/,
    names: () => ({ exchange: uniqueName("emit_log") }),
    setup: (s, { exchange }) => Promise.resolve(() => deleteExchange(s.url, exchange!)),
  },
  {
    id: "rpc_client",
    label: `rpc_client: one call, fib(${RPC_N})`,
    done: new RegExp(`^ \\[\\.\\] Got ${RPC_ANSWER}$`),
    names: () => ({ queue: uniqueName("rpc_client") }),
    setup: (s, { queue }) => rpcResponder(s.url, queue!),
  },
];

/** A plain amqplib RPC server in the bench, for the rpc_client job: fib(n) on `queue`. */
async function rpcResponder(url: string, queue: string): Promise<() => Promise<void>> {
  const connection: ChannelModel = await amqp.connect(
    url,
    socketOptions(url, { name: "bench: rpc responder" }),
  );
  const channel = await connection.createChannel();
  await channel.assertQueue(queue, QUORUM);
  await channel.prefetch(1);
  await channel.consume(queue, (msg) => {
    if (!msg) return;
    let [a, b] = [0n, 1n];
    for (let i = 0; i < Number(msg.content.toString()); i++) [a, b] = [b, a + b];
    channel.sendToQueue(msg.properties.replyTo, Buffer.from(String(a)), {
      correlationId: msg.properties.correlationId,
    });
    channel.ack(msg);
  });
  return async () => {
    await channel.deleteQueue(queue);
    await connection.close();
  };
}

/** Runs a one-shot variant once and returns its whole-process wall time in ms. */
async function launch(
  s: ProgramSettings,
  job: OneShot,
  variant: Variant,
  names: Names,
): Promise<number> {
  const args = job.id === "rpc_client" ? [String(RPC_N)] : [];
  const start = performance.now();
  const running = await startVariant(s, variant, job.id, names, { args });
  const code = await within(running.exited, `${job.id} (${variant}) to exit`, 60_000).catch(
    async (error) => {
      await running.stop("SIGKILL");
      throw error;
    },
  );
  const ms = performance.now() - start;
  if (code !== 0 || !running.stdout.some((line) => job.done.test(line))) {
    throw new PhaseFailure(
      `${job.id} (${variant}) exited with code ${code}: ${
        [...running.stdout, ...running.stderr].slice(-4).join(" | ")
      }`,
    );
  }
  return ms;
}

/** The variants in the order of run `run` (0-based): rotated by one each run. */
function rotate<T>(items: T[], run: number): T[] {
  const k = run % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

async function within<T>(promise: Promise<T>, what: string, ms = 10_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new PhaseFailure(`Gave up waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The variants that can run: the program and the bare loop always, the others when found. */
function available(s: ProgramSettings, variants: Variant[]): Variant[] {
  return variants.filter((variant) => s.missing[variant] === undefined);
}

/** How many progress steps {@link runProgramPhases} takes (calls of `progress.step`). */
export function programSteps(s: ProgramSettings): number {
  const long = available(s, ["program", "bare", "pika"]).length;
  const confirms = available(s, ["program", "bare", "node"]).length;
  return s.runs * (4 * long + confirms + ONE_SHOTS.length) + 2 + 1;
}

/**
 * Runs every job `runs` times, then the peak memory of worker and receive
 * on a long backlog, then where send's milliseconds go.
 */
export async function runProgramPhases(
  s: ProgramSettings,
  progress: Progress,
): Promise<ProgramReport> {
  const say = (text: string) => progress.step(text);
  const retried: ProgramReport["retried"] = [];
  /** Runs `fn`; if it fails, says so and runs it once more. */
  const twice = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      retried.push({ what, error: message });
      progress.note(`${what} failed (${message}); measuring it once more`);
      return await fn();
    }
  };
  const ofRuns = (run: number) => `run ${run + 1} of ${s.runs}`;

  const jobs: JobResult[] = [];
  const longRunning: {
    id: string;
    label: string;
    unit: JobResult["unit"];
    measure: (variant: Variant) => Promise<Sample>;
  }[] = [
    {
      id: "worker",
      label: `worker: drain ${
        format(s.workerTasks)
      } queued persistent tasks (prefetch 1, ack each)`,
      unit: "msgs/s",
      measure: (variant) => drain(s, "worker", variant),
    },
    {
      id: "receive",
      label: `receive: drain ${format(s.receiveMessages)} queued messages (auto-ack)`,
      unit: "msgs/s",
      measure: (variant) => drain(s, "receive", variant),
    },
    {
      id: "receive_logs",
      label: `receive_logs: ${format(s.logMessages)} messages over fanout to two subscribers`,
      unit: "msgs/s",
      measure: (variant) => receiveLogs(s, variant),
    },
    {
      id: "rpc_server",
      label: `rpc_server: ${format(s.rpcCalls)} calls from one caller`,
      unit: "calls/s",
      measure: (variant) => rpcServer(s, variant),
    },
  ];
  for (const job of longRunning) {
    const variants = available(s, ["program", "bare", "pika"]);
    const runs: Partial<Record<Variant, Sample[]>> = {};
    for (let run = 0; run < s.runs; run++) {
      for (const variant of rotate(variants, run)) {
        say(`${job.id}, ${ofRuns(run)}: ${VARIANT_NAMES[variant]}`);
        const what = `${job.id}, ${ofRuns(run)}, ${VARIANT_NAMES[variant]}`;
        (runs[variant] ??= []).push(await twice(what, () => job.measure(variant)));
      }
    }
    jobs.push(result(job, runs, missingFor(s, ["pika"])));
  }

  // publisher_confirms: one process does the three strategies; a row per strategy.
  const confirmVariants = available(s, ["program", "bare", "node"]);
  const confirmRuns: Record<string, Partial<Record<Variant, Sample[]>>> = {};
  for (let run = 0; run < s.runs; run++) {
    for (const variant of rotate(confirmVariants, run)) {
      say(`publisher_confirms, ${ofRuns(run)}: ${VARIANT_NAMES[variant]}`);
      const samples = await twice(
        `publisher_confirms, ${ofRuns(run)}, ${VARIANT_NAMES[variant]}`,
        () => publisherConfirms(s, variant),
      );
      for (const [strategy, sample] of Object.entries(samples)) {
        ((confirmRuns[strategy] ??= {})[variant] ??= []).push(sample);
      }
    }
  }
  for (const strategy of STRATEGIES) {
    const javaMs = JAVA_TUTORIAL_MS[strategy.id];
    jobs.push({
      ...result(
        {
          id: `publisher_confirms_${strategy.id}`,
          label: `publisher_confirms: ${format(s.confirmMessages)} messages, ${
            strategy.id === "individually"
              ? "individually"
              : strategy.id === "batch"
              ? "in batches of 100"
              : "asynchronously"
          }`,
          unit: "msgs/s",
        },
        confirmRuns[strategy.id],
        {
          ...missingFor(s, ["node"]),
          pika: "the official tutorials have no Python (pika) version of tutorial 7",
        },
      ),
      reference: {
        label: "Java tutorial's published local figure (50,000 messages)",
        rate: 50_000 / (javaMs / 1000),
        ms: javaMs,
      },
    });
  }

  // One-shot programs: whole-process wall time, `launches` per variant per run, interleaved.
  for (const job of ONE_SHOTS) {
    const variants = available(s, ["program", "bare", "pika"]);
    const runs: Partial<Record<Variant, Sample[]>> = {};
    const launches: Partial<Record<Variant, number[][]>> = {};
    for (let run = 0; run < s.runs; run++) {
      say(`${job.id}, ${ofRuns(run)}: ${s.launches} launches of each`);
      const names = job.names();
      const cleanup = await job.setup(s, names);
      const times: Partial<Record<Variant, number[]>> = {};
      try {
        for (let i = 0; i < s.launches; i++) {
          for (const variant of rotate(variants, i)) {
            const what = `${job.id}, ${ofRuns(run)}, ${VARIANT_NAMES[variant]}`;
            (times[variant] ??= []).push(await twice(what, () => launch(s, job, variant, names)));
          }
        }
      } finally {
        await cleanup();
      }
      for (const variant of variants) {
        (runs[variant] ??= []).push({ ms: median(times[variant]!) });
        (launches[variant] ??= []).push(times[variant]!);
      }
    }
    const oneShot = result({ ...job, unit: "ms" }, runs, missingFor(s, ["pika"]));
    for (const variant of variants) oneShot.variants[variant]!.launches = launches[variant];
    jobs.push(oneShot);
  }

  const rss: RssResult[] = [];
  for (const job of ["worker", "receive"] as const) {
    say(`peak memory of ${job} draining ${format(s.rssMessages)} messages`);
    rss.push(await twice(`peak memory of ${job}`, () => peakRss(s, job)));
  }

  say(`where the milliseconds of send go: ${s.launches} launches of each`);
  const sendSteps = await twice("send's steps", () => measureSendSteps(s));
  return { jobs, retried, rss, sendSteps };
}

const VARIANT_NAMES: Record<Variant, string> = {
  program: "the program",
  bare: "the bare amqplib loop",
  pika: "the pika program",
  node: "the loops on Node.js",
};

function missingFor(s: ProgramSettings, variants: Variant[]): Partial<Record<Variant, string>> {
  return Object.fromEntries(
    variants.filter((variant) => s.missing[variant]).map((
      variant,
    ) => [variant, s.missing[variant]]),
  );
}

/** A job's runs by variant, with their medians and the program's ratios. */
function result(
  job: { id: string; label: string; unit: JobResult["unit"] },
  runs: Partial<Record<Variant, Sample[]>>,
  missing: Partial<Record<Variant, string>>,
): JobResult {
  const variants: Partial<Record<Variant, VariantResult>> = {};
  for (const [variant, samples] of Object.entries(runs) as [Variant, Sample[]][]) {
    variants[variant] = { runs: samples, median: medianSample(samples) };
  }
  const figure = job.unit === "ms" ? "ms" : "rate";
  const ratios: JobResult["ratios"] = {};
  const program = variants.program?.median[figure];
  for (const peer of ["bare", "pika", "node"] as const) {
    const theirs = variants[peer]?.median[figure];
    if (program !== undefined && theirs) ratios[peer] = program / theirs;
  }
  return { id: job.id, label: job.label, unit: job.unit, variants, missing, ratios };
}

/**
 * The peak resident memory of the program's own deno process while it
 * drains `rssMessages` queued messages (worker: persistent tasks), read from
 * /proc/PID/status (VmHWM) once the last one is printed.
 */
async function peakRss(s: ProgramSettings, job: "worker" | "receive"): Promise<RssResult> {
  const queue = uniqueName(`${job}.rss`);
  const count = s.rssMessages;
  await fillQueue(s.url, queue, count, job === "worker");
  try {
    const clock = drainClock(job, count);
    const running = await startVariant(s, "program", job, { queue }, { onLine: clock.onLine(0) });
    try {
      const sample = await clock.result(`${job} (peak memory)`, [running.exited]);
      const pid = programPid(running.pid);
      const peakBytes = peakRssBytes(pid);
      if (peakBytes === undefined) throw new PhaseFailure(`Cannot read /proc/${pid}/status`);
      return {
        id: job,
        label: `${job}: drain ${format(count)} queued ${job === "worker" ? "tasks" : "messages"}`,
        messages: count,
        peakBytes,
        seconds: count / sample.rate,
      };
    } finally {
      await stopVariant("program", running, job);
    }
  } finally {
    await deleteQueue(s.url, queue);
  }
}

/**
 * Where `deno task send`'s milliseconds go, beside `python3 send.py`'s:
 * whole-process times of `deno task -q send`, of the task's own command line
 * (`deno run ... scripts/send.ts`, without `deno task`), and of `python3
 * send.py`; and step by step, bench/send_steps.ts and
 * bench/peers/send_steps.py, which do what send does and print the wall
 * clock after each step. Medians over `launches` launches of each.
 */
async function measureSendSteps(s: ProgramSettings): Promise<SendSteps> {
  const queue = uniqueName("send_steps");
  const env = { AMQP_URL: s.url, QUEUE: queue, PYTHONDONTWRITEBYTECODE: "1" };
  const denoRun = await taskCommand("send");
  const wall = async (command: string[]) => {
    const start = performance.now();
    const { success, stderr } = await new Deno.Command(command[0], {
      args: command.slice(1),
      cwd: PROJECT_ROOT,
      env,
      stdout: "null",
      stderr: "piped",
    }).output();
    if (!success) {
      throw new PhaseFailure(`${command.join(" ")} failed: ${new TextDecoder().decode(stderr)}`);
    }
    return performance.now() - start;
  };
  const steps = async (command: string[]) => {
    const spawnedAt = performance.timeOrigin + performance.now();
    const output = await new Deno.Command(command[0], {
      args: command.slice(1),
      cwd: PROJECT_ROOT,
      env,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const exitedAt = performance.timeOrigin + performance.now();
    const text = new TextDecoder().decode(output.stdout);
    const marks = JSON.parse(text.trim().split("\n").at(-1)!) as Record<string, number>;
    return { spawnedAt, exitedAt, marks };
  };
  const python = s.python;
  const stepsTs = fromFileUrl(new URL("./send_steps.ts", import.meta.url));
  const flags = denoRun.slice(1, denoRun.indexOf("scripts/send.ts"));
  const samples: Record<string, number[]> = {};
  const add = (key: string, ms: number) => (samples[key] ??= []).push(ms);
  try {
    for (let i = 0; i < s.launches; i++) {
      add("deno.task", await wall([Deno.execPath(), "task", "-q", "send", "--queue", queue]));
      add("deno.run", await wall([...denoRun, "--queue", queue]));
      const deno = await steps([Deno.execPath(), ...flags, stepsTs, "--queue", queue]);
      addSteps(add, "deno", deno);
      if (python) {
        add("pika.total", await wall([python, fromFileUrl(new URL("send.py", PEERS))]));
        addSteps(add, "pika", await steps([python, fromFileUrl(new URL("send_steps.py", PEERS))]));
      }
    }
  } finally {
    await deleteQueue(s.url, queue);
  }
  const medians = (prefix: string) =>
    Object.fromEntries(
      Object.entries(samples).filter(([key]) => key.startsWith(`${prefix}.`)).map((
        [key, values],
      ) => [key.slice(prefix.length + 1), median(values)]),
    );
  return {
    launches: s.launches,
    deno: medians("deno"),
    ...(python ? { pika: medians("pika") } : {}),
  };
}

/** The steps of a send_steps run, from the marks it printed. */
function addSteps(
  add: (key: string, ms: number) => void,
  prefix: string,
  { spawnedAt, exitedAt, marks }: {
    spawnedAt: number;
    exitedAt: number;
    marks: Record<string, number>;
  },
) {
  const order = ["start", "loaded", "connected", "channel", "declared", "published", "closed"];
  let previous = spawnedAt;
  for (const mark of order) {
    add(`${prefix}.${mark}`, marks[mark] - previous);
    previous = marks[mark];
  }
  add(`${prefix}.exit`, exitedAt - previous);
  add(`${prefix}.steps`, exitedAt - spawnedAt);
}
