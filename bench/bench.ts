/**
 * Benchmark, in two parts, both measured one way: a job is done by child
 * processes started as people start them, timed by the bench from their
 * output lines (bench/measure.ts), with the CPU time they and a broker on
 * this machine spend (bench/clock.ts).
 *
 * - The AMQP phases: the bare amqplib loops (bench/peers/*.mjs) on classic
 *   queues, given COUNT, PREFETCH, NODELAY ...: what amqplib and the broker
 *   do at best; then, on a broker with streams, the stream client beside
 *   amqplib (bench/stream.ts).
 * - The program phases: each program as `deno task NAME` beside the bare
 *   loop doing the same AMQP work, the official Python program (pika) and,
 *   for publisher_confirms, the loops on Node.js; on RabbitMQ 4.x, the AMQP
 *   1.0 programs amqp10:worker and amqp10:receive draining the backlogs
 *   worker and receive drain, beside them; then the peak memory of worker
 *   and receive, and where the milliseconds of `deno task send` go.
 *
 * Each job runs --runs times, its columns in an order that rotates by one
 * each run; the tables show the medians. A run that fails is reported,
 * recorded and ends its job: it is not measured again, and the bench exits
 * with code 1 once it has shown the rest. docs/benchmarks.md explains the
 * figures.
 *
 * Run:   deno task bench                        (both parts: about 12 minutes)
 *        deno task bench --json bench.json      (also save every run and the context)
 *        deno task bench --amqp                 (the AMQP phases only: about 2.5 minutes)
 *        deno task bench --programs             (the program phases only: about 9 minutes)
 *        deno task bench --quick                (small counts, one run: a smoke test)
 * Needs: --allow-all: Deno lets only such a program read /proc, where the CPU times and
 *        peak memory are; the bench also runs deno, python3 (with pika) and node.
 *        The pika column needs python3-pika (installed with apt-get when run as root), the
 *        Node.js column node on PATH; without them the column is left out, saying why.
 */
import amqp from "amqplib";
import { cli, wholeNumber } from "../lib/cli.ts";
import { socketOptions } from "../lib/connect.ts";
import { describeError } from "../lib/errors.ts";
import { ProgramError } from "../lib/program_error.ts";
import { maskUrl } from "../lib/url.ts";
import { localBrokerPid, type Sample } from "./clock.ts";
import { type BenchEnv, type Column, COLUMN_NAMES, findNode, findPython } from "./columns.ts";
import { drain, fanout, peakRss, producerAndConsumer, type RssResult } from "./consumers.ts";
import { type Job, RunFailure } from "./measure.ts";
import { launches, ONE_SHOTS, type SendSteps, sendSteps } from "./one_shots.ts";
import { javaReference, publish, publisherConfirms, STRATEGIES } from "./publishers.ts";
import {
  amqp10Table,
  amqpTable,
  confirmsTable,
  consumersTable,
  formatCount as count,
  type JobResult,
  jobResult,
  oneShotsTable,
  rssTable,
  sendStepsTable,
} from "./report.ts";
import { rpcCalls } from "./rpc.ts";
import { streamPhases } from "./stream.ts";

const { url, values } = cli("bench", {
  summary:
    "Measure the broker and amqplib (AMQP phases) and the programs beside their peers (program phases)",
  options: {
    runs: {
      description: "runs of each phase and job; the tables show the median (default 3)",
    },
    count: { description: "messages per run of an AMQP message phase (default 50000)" },
    calls: { description: "calls per run of an AMQP RPC phase (default 5000)" },
    seconds: {
      description:
        "stop a run of an AMQP consumer or RPC phase after this many seconds (default 4)",
    },
    "batch-size": { default: "100", description: "messages per confirm batch" },
    amqp: { type: "boolean", description: "run the AMQP phases only" },
    programs: { type: "boolean", description: "run the program phases only" },
    json: { description: "also write the figures and their context to this file" },
    quick: {
      type: "boolean",
      description: "smoke test: one run and small counts (2000 messages, 100 calls, 1 second)",
    },
  },
});
const QUICK = values.quick;
const RUNS = wholeNumber("runs", values.runs ?? (QUICK ? "1" : "3"), 1);
const SETTINGS = {
  count: wholeNumber("count", values.count ?? (QUICK ? "2000" : "50000"), 1),
  calls: wholeNumber("calls", values.calls ?? (QUICK ? "100" : "5000"), 1),
  seconds: wholeNumber("seconds", values.seconds ?? (QUICK ? "1" : "4"), 1),
  /** The stream phases' message bodies (the peers send the tutorials' messages). */
  messageBytes: 100,
  batchSize: wholeNumber("batch-size", values["batch-size"], 1),
};
const COUNTS = {
  workerTasks: QUICK ? 200 : 5_000,
  receiveMessages: QUICK ? 1_000 : 20_000,
  logMessages: QUICK ? 1_000 : 20_000,
  rpcCalls: QUICK ? 100 : 2_000,
  confirmMessages: QUICK ? 500 : 50_000,
  launches: QUICK ? 3 : 10,
  rssMessages: QUICK ? 1_000 : 100_000,
};
// Neither flag, or both: both parts.
const RUN_AMQP = values.amqp || !values.programs;
const RUN_PROGRAMS = values.programs || !values.amqp;

/** What `fn` gives, or undefined where that is not permitted or not on this system. */
function tryOr<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}

/**
 * One line on stderr that rewrites itself in a terminal, else one line per
 * step; with `keep`, a line that stays in the terminal too.
 */
function progress(text: string, keep = false) {
  if (Deno.stderr.isTerminal()) {
    Deno.stderr.writeSync(new TextEncoder().encode(`\r\x1b[K${text}${keep ? "\n" : ""}`));
  } else if (text) {
    console.error(text);
  }
}

if (values.json) {
  // Fail now, not after minutes of measuring, if the file cannot be written.
  try {
    Deno.openSync(values.json, { write: true, create: true }).close();
  } catch (error) {
    throw new ProgramError(
      `Cannot write the --json file "${values.json}": ${(error as Error).message}`,
    );
  }
}

const started = new Date();
const brokerProcess = await localBrokerPid(url, (text) => progress(text, true));
const env: BenchEnv = { url, brokerPid: brokerProcess.pid };
// The machine, the runtime and the broker: what a figure means depends on them.
const connection = await amqp.connect(url, socketOptions(url, { name: "bench" }));
const server = connection.connection.serverProperties;
await connection.close();
const broker = {
  url: maskUrl(url),
  product: String(server.product),
  version: String(server.version),
  platform: String(server.platform),
  // The broker's CPU time per message is measured only when it runs on this machine.
  osPid: env.brokerPid ?? null,
  whyNoOsPid: brokerProcess.why,
};
const context = {
  cpus: navigator.hardwareConcurrency,
  memoryGiB: tryOr(() => Math.round(Deno.systemMemoryInfo().total / 2 ** 30)),
  os: `${Deno.build.os} ${tryOr(() => Deno.osRelease()) ?? ""}`.trim(),
  arch: Deno.build.arch,
  loadAverage: tryOr(() => Deno.loadavg()),
  deno: Deno.version.deno,
  v8: Deno.version.v8,
  // The resolved module's path names the installed version: .../amqplib/2.3.1/... or amqplib@2.3.1
  amqplib: import.meta.resolve("amqplib").match(/amqplib[@/](\d+\.\d+\.\d+)/)?.[1] ?? "unknown",
  broker,
};

// The peers: found (or installed) before anything is measured; a column without one is left out.
const missing: Partial<Record<Column, string>> = {};
const versions: { python?: string; pika?: string; node?: string } = {};
if (RUN_PROGRAMS) {
  const python = await findPython((text) => progress(text, true));
  const node = await findNode();
  Object.assign(env, { python: python.python, node: node.node });
  Object.assign(versions, { python: python.python, pika: python.pika, node: node.version });
  if (python.why) missing.pika = python.why;
  if (node.why) missing.node = node.why;
}

/** An AMQP phase: a bare loop, or the bench's own stream client. */
const phase = (id: string, label: string, measure: Job["measure"], unit: Job["unit"] = "msgs/s") =>
  ({ id, label, step: label, unit, columns: ["bare"], table: "amqp", measure }) as Job;
const { count: COUNT, calls: CALLS, batchSize: BATCH } = SETTINGS;
const limitMs = SETTINGS.seconds * 1000;
const amqpJobs: Job[] = !RUN_AMQP ? [] : [
  phase("publish", "Publish, no confirms", () => publish(env, COUNT)),
  {
    ...phase(
      "confirms",
      "Confirms: individually, in batches, asynchronously",
      () => publisherConfirms(env, "bare", COUNT, BATCH),
    ),
    rows: [
      { id: "confirm_individual", label: "Confirms: individually" },
      { id: "confirm_batch", label: `Confirms: batches of ${BATCH}` },
      { id: "confirm_async", label: "Confirms: asynchronously" },
    ],
  },
  ...[1, 10, 100].map((prefetch) =>
    phase(
      `consume_prefetch_${prefetch}`,
      `Consume, manual ack, prefetch ${prefetch}`,
      () =>
        drain(env, "bare", {
          task: "worker",
          count: COUNT,
          prefetch,
          queueType: "classic",
          limitMs,
        }),
    )
  ),
  phase("producer_consumer", "Producer + consumer at once", () => producerAndConsumer(env, COUNT)),
  ...[false, true].map((nagle) =>
    phase(
      nagle ? "rpc_nagle" : "rpc",
      nagle ? "RPC, Nagle (amqplib default)" : "RPC, noDelay",
      () => rpcCalls(env, "bare", { calls: CALLS, limitMs, classic: true, nagle }),
      "calls/s",
    )
  ),
  // Streams (RabbitMQ 3.11+): the stream client beside amqplib on a stream; none, saying why,
  // on older brokers. Asked only now, once the bench knows it can connect and write its --json.
  ...(await streamPhases(
    { url, ...SETTINGS, brokerPid: env.brokerPid },
    (text) => progress(text, true),
  )).map(({ id, label, rows, run }) => ({ ...phase(id, label, run), rows })),
];

/** A program's job: by default a long-running one, beside the bare loop and pika. */
const programJob = (job: Pick<Job, "id" | "label" | "measure"> & Partial<Job>): Job => ({
  step: job.id,
  unit: "msgs/s",
  columns: ["program", "bare", "pika"],
  table: "consumers",
  ...job,
});
const { workerTasks, receiveMessages } = COUNTS;
const STRATEGY_WORDS = {
  individually: "individually",
  batch: "in batches of 100",
  async: "asynchronously",
};
// AMQP 1.0 (RabbitMQ 4.0+, docs/amqp10.md): amqp10:worker and amqp10:receive drain the backlogs
// worker and receive drain, queued the same way (over AMQP 0-9-1), to set beside them.
const noAmqp10 = /^([4-9]|\d{2,})\./.test(broker.version)
  ? undefined
  : `RabbitMQ ${broker.version} has no AMQP 1.0 with v2 addresses (RabbitMQ 4.0+)`;
const amqp10Job = (task: "worker" | "receive", messages: number, what: string) =>
  programJob({
    id: `amqp10_${task}`,
    step: `amqp10:${task}`,
    label: `amqp10:${task}: drain ${count(messages)} ${what}`,
    columns: ["program"],
    table: "amqp10",
    measure: () =>
      drain(env, "program", {
        task: `amqp10:${task}`,
        count: messages,
        persistent: task === "worker",
      }),
  });
const programJobs: Job[] = !RUN_PROGRAMS ? [] : [
  programJob({
    id: "worker",
    label: `worker: drain ${count(workerTasks)} queued persistent tasks (prefetch 1, ack each)`,
    measure: (column) =>
      drain(env, column, { task: "worker", count: workerTasks, persistent: true }),
  }),
  programJob({
    id: "receive",
    label: `receive: drain ${count(receiveMessages)} queued messages (auto-ack)`,
    measure: (column) => drain(env, column, { task: "receive", count: receiveMessages }),
  }),
  programJob({
    id: "receive_logs",
    label: `receive_logs: ${count(COUNTS.logMessages)} messages over fanout to two subscribers`,
    measure: (column) => fanout(env, column, COUNTS.logMessages),
  }),
  programJob({
    id: "rpc_server",
    label: `rpc_server: ${count(COUNTS.rpcCalls)} calls from one caller`,
    unit: "calls/s",
    measure: (column) => rpcCalls(env, column, { calls: COUNTS.rpcCalls }),
  }),
  programJob({
    id: "publisher_confirms",
    label: "publisher_confirms",
    columns: ["program", "bare", "node"],
    table: "confirms",
    rows: STRATEGIES.map((strategy) => ({
      id: `publisher_confirms_${strategy}`,
      label: `publisher_confirms: ${count(COUNTS.confirmMessages)} messages, ${
        STRATEGY_WORDS[strategy]
      }`,
      reference: javaReference(strategy),
    })),
    missing: { pika: "the official tutorials have no Python (pika) version of tutorial 7" },
    measure: (column) => publisherConfirms(env, column, COUNTS.confirmMessages),
  }),
  ...ONE_SHOTS.map((oneShot) =>
    programJob({
      id: oneShot.id,
      label: oneShot.label,
      unit: "ms",
      table: "oneShots",
      measure: (column) => launches(env, column, oneShot, COUNTS.launches),
    })
  ),
  ...(noAmqp10 ? [] : [
    amqp10Job("worker", workerTasks, "queued persistent tasks (one credit, accept each)"),
    amqp10Job("receive", receiveMessages, "queued messages (credit window 100, accept each)"),
  ]),
];

const columnsOf = (job: Job) => job.columns.filter((column) => !missing[column]);
const jobs = [...amqpJobs, ...programJobs];
const total = jobs.reduce((n, job) => n + RUNS * columnsOf(job).length, RUN_PROGRAMS ? 3 : 0);
let step = 0;

/** Runs that failed: each ended its job, and was not measured again. */
const failures: { what: string; error: string }[] = [];

/** Measures one step; a failure is recorded, said, and gives undefined. */
async function measured<T>(what: string, measure: () => Promise<T>): Promise<T | undefined> {
  progress(`[${++step}/${total}] ${what} ...`);
  try {
    return await measure();
  } catch (error) {
    const why = error instanceof RunFailure ? error.message : describeError(error, url);
    failures.push({ what, error: why });
    progress(`${what} failed (${why}); not measured again, the rest of its job is left out`, true);
    return undefined;
  }
}

/** Every run of each job's columns, until one fails; a result per row, by table. */
const results: Record<string, JobResult[]> = {};
for (const job of jobs) {
  const columns = columnsOf(job);
  const runs: Partial<Record<Column, Sample[][]>> = {};
  measuring: for (let run = 0; run < RUNS; run++) {
    // The order rotates by one each run, so a busy moment of the machine does not always hit one.
    for (const column of columns.map((_, i) => columns[(i + run) % columns.length])) {
      const which = columns.length > 1 ? `: ${COLUMN_NAMES[column]}` : "";
      const what = `${job.step}, run ${run + 1} of ${RUNS}${which}`;
      const samples = await measured(what, () => job.measure(column));
      if (!samples) break measuring;
      (runs[column] ??= []).push([samples].flat());
    }
  }
  const why = { ...job.missing };
  for (const column of job.columns) if (missing[column]) why[column] = missing[column];
  const rowRuns = (i: number) =>
    Object.fromEntries(
      Object.entries(runs).map(([column, each]) => [column, each.map((s) => s[i])]),
    );
  const rows = job.rows ?? [{ id: job.id, label: job.label }];
  (results[job.table] ??= []).push(...rows.map((row, i) => jobResult(row, job, rowRuns(i), why)));
}
const rss: RssResult[] = [];
let steps: SendSteps | undefined;
if (RUN_PROGRAMS) {
  for (const task of ["worker", "receive"] as const) {
    const what = `peak memory of ${task} draining ${count(COUNTS.rssMessages)} messages`;
    const result = await measured(what, () => peakRss(env, task, COUNTS.rssMessages));
    if (result) rss.push(result);
  }
  const what = `where the milliseconds of send go: ${COUNTS.launches} launches of each`;
  steps = await measured(what, () => sendSteps(env, COUNTS.launches));
}
progress("");

console.log(
  `${broker.product} ${broker.version} at ${broker.url}; ${context.cpus} CPUs; Deno ${context.deno}; amqplib ${context.amqplib}${
    versions.pika ? `; pika ${versions.pika}` : ""
  }${versions.node ? `; Node.js ${versions.node}` : ""}; ${started.toISOString()}${
    brokerProcess.why ? `\nNo broker CPU figures: ${brokerProcess.why}.` : ""
  }`,
);
// Each table with the line that says how it was measured, in the order printed.
const ofRuns = `median of ${RUNS} run${RUNS === 1 ? "" : "s"}`;
const { amqp: phases, consumers, confirms, oneShots, amqp10 } = results;
const tables: Record<string, { title: string; table: string }> = {};
const add = (name: string, title: string, table: string) => tables[name] = { title, table };
if (phases) {
  add(
    "amqp",
    `AMQP phases: the bare amqplib loops on classic queues, each run ${count(COUNT)} messages (${
      count(CALLS)
    } RPC calls), consumers and RPC at most ${SETTINGS.seconds} s; the stream phases ${SETTINGS.messageBytes}-byte messages; ${ofRuns}`,
    amqpTable(phases),
  );
}
if (RUN_PROGRAMS) {
  const noColumn = Object.entries(missing).map(([column, why]) =>
    `\nNo ${column === "pika" ? "pika" : "Node.js"} column: ${why}.`
  ).join("") + (noAmqp10 ? `\nNo AMQP 1.0 table: ${noAmqp10}.` : "");
  add(
    "consumers",
    `Program phases, long-running programs: from the first message line to the last; ${ofRuns}${noColumn}`,
    consumersTable(consumers),
  );
  add(
    "confirms",
    `publisher_confirms: the program's own timing of each strategy; ${ofRuns}; no pika column: the official tutorials have no Python version of tutorial 7`,
    confirmsTable(confirms),
  );
  add(
    "oneShots",
    `One-shot programs: whole process, start to exit; median of ${COUNTS.launches} launches per run, ${ofRuns}`,
    oneShotsTable(oneShots),
  );
  if (amqp10) {
    add(
      "amqp10",
      `AMQP 1.0 (docs/amqp10.md): the AMQP 1.0 programs draining the backlogs worker and receive drain above; ${ofRuns}`,
      amqp10Table(amqp10, consumers),
    );
  }
  add("rss", "Peak memory while draining a backlog", rssTable(rss));
  if (steps) {
    const title = `Where the milliseconds of send go: medians of ${COUNTS.launches} launches`;
    add("sendSteps", title, sendStepsTable(steps));
  }
}
for (const { title, table } of Object.values(tables)) console.log(`\n${title}\n\n${table}`);
for (const { what, error } of failures) {
  console.log(
    `\nFailed, and not measured again: ${what} (${error}); the rest of its job is left out`,
  );
}

if (values.json) {
  const report = {
    date: started.toISOString(),
    durationSeconds: Math.round((Date.now() - started.getTime()) / 1000),
    context: { ...context, ...versions, loadAverageAtEnd: tryOr(() => Deno.loadavg()) },
    settings: {
      runs: RUNS,
      quick: QUICK,
      url: maskUrl(url),
      ...SETTINGS,
      brokerPid: env.brokerPid,
    },
    ...(RUN_AMQP
      ? {
        phases: phases!.map(({ id, label, unit, columns: { bare }, target }) => ({
          id,
          label,
          unit,
          runs: bare?.runs ?? [],
          median: bare?.median ?? {},
          target,
        })),
        table: tables.amqp.table,
      }
      : {}),
    ...(RUN_PROGRAMS
      ? {
        programs: {
          settings: { ...COUNTS, python: env.python, node: env.node, missing },
          jobs: [...consumers, ...confirms, ...oneShots],
          amqp10: amqp10 ?? [],
          rss,
          sendSteps: steps,
          tables: Object.fromEntries(
            Object.entries(tables).filter(([name]) => name !== "amqp")
              .map(([name, { table }]) => [name, table]),
          ),
        },
      }
      : {}),
    failures,
  };
  await Deno.writeTextFile(values.json, JSON.stringify(report, null, 2) + "\n");
  console.log(`\nWrote the figures and their context to ${values.json}`);
}
if (failures.length) {
  throw new ProgramError(
    `${failures.length} run${
      failures.length === 1 ? "" : "s"
    } failed, each ending its job (see "Failed" above); the tables show the runs before`,
  );
}
