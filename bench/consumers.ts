/**
 * How fast consumers take messages, timed by their lines (a
 * {@link LineClock}): a worker or receive draining a backlog queued before
 * it starts, two receive_logs subscribers draining a burst over fanout, a
 * consumer keeping up with a producer; and the peak memory of a program
 * draining a long backlog.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { WAITING, WAITING_LOGS } from "../tools/lib/ready_lines.ts";
import type { Program } from "../tools/lib/program.ts";
import { peakRssBytes, programPid, type Sample } from "./clock.ts";
import { type BenchEnv, type Column, lastWords, startColumn, stopColumn } from "./columns.ts";
import { LineClock, RunFailure } from "./measure.ts";
import {
  type Backlog,
  deleteExchange,
  deleteQueue,
  fillQueue,
  uniqueName,
  withChannel,
} from "./queues.ts";

const RECEIVED = /^ \[x\] Received/;
const DONE = /^ \[x\] Done/;

/** A backlog for worker or receive to drain (or their AMQP 1.0 siblings, amqp10:worker ...). */
export interface Drain extends Backlog {
  task: "worker" | "receive" | "amqp10:worker" | "amqp10:receive";
  count: number;
  /** The bare worker's prefetch (PREFETCH; the program's is 1). */
  prefetch?: number;
  /** Stop the clock this long after the first message, with those done by then. */
  limitMs?: number;
}

/**
 * worker (N tasks with no work in them) or receive (N messages): the queue
 * is filled first, then the column drains it, timed from its first
 * `[x] Received` line to its N-th last line (the worker's `[x] Done`).
 * `atEnd` sees the running program before it is stopped.
 */
export async function drain(
  env: BenchEnv,
  column: Column,
  job: Drain,
  atEnd?: (running: Program) => void,
): Promise<Sample> {
  const queue = uniqueName(job.task.replace(":", "."));
  await fillQueue(env.url, queue, job.count, job);
  try {
    const clock = new LineClock({
      first: RECEIVED,
      last: job.task.endsWith("worker") ? DONE : RECEIVED,
      perChild: job.count,
      brokerPid: env.brokerPid,
      limitMs: job.limitMs,
    });
    const running = await startColumn(env, column, job.task, { queue }, {
      env: {
        ...(job.prefetch ? { PREFETCH: String(job.prefetch) } : {}),
        ...(job.queueType ? { QUEUE_TYPE: job.queueType } : {}),
      },
      onLine: clock.onLine(),
      longRunning: true,
    });
    clock.pids = [running.pid];
    try {
      const sample = await clock.result(`${job.task} (${column})`, [running.exited]);
      atEnd?.(running);
      return sample;
    } finally {
      await stopColumn(column, running, job.task);
    }
  } finally {
    await deleteQueue(env.url, queue);
  }
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
}

/**
 * The peak resident memory of the program's own deno process while it
 * drains `count` queued messages (worker: persistent tasks), read from
 * /proc/PID/status (VmHWM) once the last one is printed.
 */
export async function peakRss(
  env: BenchEnv,
  task: "worker" | "receive",
  count: number,
): Promise<RssResult> {
  let pid = 0;
  let peakBytes: number | undefined;
  const backlog = { task, count, persistent: task === "worker" };
  const { rate } = await drain(env, "program", backlog, (running) => {
    pid = programPid(running.pid);
    peakBytes = peakRssBytes(pid);
  });
  if (peakBytes === undefined) throw new RunFailure(`Cannot read /proc/${pid}/status`);
  const what = task === "worker" ? "tasks" : "messages";
  const label = `${task}: drain ${count.toLocaleString("en-US")} queued ${what}`;
  return { id: task, label, messages: count, peakBytes, seconds: count / rate };
}

/**
 * receive_logs: two subscribers of a fanout exchange. Once both are bound,
 * they are paused (SIGSTOP, as Ctrl+Z does) while the bench publishes N
 * messages to the exchange, then resumed: the run times how fast both drain
 * them, from the first message line to the last, as the drains of worker and
 * receive, rather than how the subscribers, the broker and the bench's
 * publisher share two cores.
 */
export async function fanout(env: BenchEnv, column: Column, count: number): Promise<Sample> {
  const exchange = uniqueName("logs");
  const line = /^ \[x\] /;
  const clock = new LineClock({
    first: line,
    last: line,
    perChild: count,
    children: 2,
    brokerPid: env.brokerPid,
  });
  const subscribers: Program[] = [];
  try {
    for (const index of [0, 1]) {
      subscribers.push(
        await startColumn(env, column, "receive_logs", { exchange }, {
          onLine: clock.onLine(index),
          longRunning: true,
        }),
      );
    }
    clock.pids = subscribers.map((subscriber) => subscriber.pid);
    // Each prints this line once its queue is bound: from then on it gets every message.
    for (const subscriber of subscribers) await subscriber.waitFor(WAITING_LOGS);
    for (const subscriber of subscribers) subscriber.kill("SIGSTOP");
    try {
      await withChannel(env.url, async (channel) => {
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
      `receive_logs (${column})`,
      subscribers.map((subscriber) => subscriber.exited),
    );
  } finally {
    for (const subscriber of subscribers) await stopColumn(column, subscriber, "receive_logs");
    await deleteExchange(env.url, exchange);
  }
}

/**
 * A producer and a consumer at once: the bare worker (PREFETCH=100) drains
 * a classic queue while the bare send (COUNT=N) fills it, timed by the
 * worker's lines from its first `[x] Received` to its N-th `[x] Done`; the
 * CPU time is both processes'.
 */
export async function producerAndConsumer(env: BenchEnv, count: number): Promise<Sample> {
  const queue = uniqueName("producer_consumer");
  const clock = new LineClock({
    first: RECEIVED,
    last: DONE,
    perChild: count,
    brokerPid: env.brokerPid,
  });
  const peers = { QUEUE_TYPE: "classic", PREFETCH: "100" };
  const worker = await startColumn(env, "bare", "worker", { queue }, {
    env: peers,
    onLine: clock.onLine(),
  });
  try {
    await worker.waitFor(WAITING);
    const send = await startColumn(env, "bare", "send", { queue }, {
      env: { ...peers, COUNT: String(count) },
    });
    clock.pids = [worker.pid, send.pid];
    const sample = await clock.result("the worker (bare)", [worker.exited]);
    if (await send.exited !== 0) {
      throw new RunFailure(`send (bare) failed: ${lastWords(send)}`);
    }
    return sample;
  } finally {
    await worker.stop("SIGINT");
    await deleteQueue(env.url, queue);
  }
}
