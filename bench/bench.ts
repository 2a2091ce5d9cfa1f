/**
 * Benchmark, in two parts.
 *
 * The AMQP phases: how many messages per second the configured broker and
 * amqplib move, and where the time goes. With 100-byte messages and a fresh
 * queue per phase, it measures publishing without confirms, the three
 * confirm strategies of tutorial 7, consuming with manual ack at prefetch 1,
 * 10 and 100, a producer and a consumer at once, and tutorial 6's RPC with
 * `noDelay` and with Nagle's algorithm (amqplib's default). Each phase runs
 * --runs times, up to --count messages (--calls RPC calls) or --seconds per
 * run.
 *
 * The program phases (bench/programs.ts): the programs people run, each as
 * `deno task NAME` in a child process, on the tutorials' jobs, beside a bare
 * amqplib loop doing the same AMQP work and the official Python tutorial
 * program (pika), and for publisher_confirms beside the same loops on
 * Node.js; then the peak memory of worker and receive on a long backlog, and
 * where the milliseconds of `deno task send` go.
 *
 * The tables show the medians and the targets of a 2-core machine with a
 * local broker. Where it can (Linux, broker on this machine, management
 * plugin on), the bench also shows the CPU time the measured process and the
 * broker spend per message: where the time goes. docs/benchmarks.md explains
 * the figures.
 *
 * Run:   deno task bench                        (both parts: about 11 minutes)
 *        deno task bench --json bench.json      (also save every run and the context)
 *        deno task bench --amqp                 (the AMQP phases only: about 1.5 minutes)
 *        deno task bench --programs             (the program phases only: about 9 minutes)
 *        deno task bench --quick                (small counts, one run: a smoke test)
 * Needs: --allow-all: Deno lets only such a program read /proc, where the CPU times and
 *        peak memory are; the program phases also run deno, python3 (with pika) and node.
 *        The pika column needs python3-pika (installed with apt-get when run as root), the
 *        Node.js column node on PATH; without them the column is left out, saying why.
 */
import amqp from "amqplib";
import { cli, wholeNumber } from "../lib/cli.ts";
import { socketOptions } from "../lib/connect.ts";
import { describeError } from "../lib/errors.ts";
import { ProgramError } from "../lib/program_error.ts";
import { maskUrl } from "../lib/url.ts";
import { localBrokerPid } from "./cpu.ts";
import { streamPhases } from "./stream.ts";
import {
  confirmAsynchronously,
  confirmInBatches,
  confirmIndividually,
  consumeAtPrefetch,
  PhaseFailure,
  type PhaseRun,
  type PhaseSettings,
  producerAndConsumer,
  publishNoConfirms,
  rpc,
  type Sample,
} from "./phases.ts";
import {
  findNode,
  findPython,
  type ProgramReport,
  type ProgramSettings,
  programSteps,
  runProgramPhases,
} from "./programs.ts";
import {
  checkProgramTarget,
  checkRssTarget,
  checkTargets,
  confirmsTable,
  consumersTable,
  formatCount,
  markdownTable,
  medianSample,
  oneShotsTable,
  type PhaseResult,
  rssTable,
  sendStepsTable,
} from "./report.ts";

const { url, values } = cli("bench", {
  summary:
    "Measure the broker and amqplib (AMQP phases) and the programs beside their peers (program phases)",
  options: {
    runs: {
      description: "runs of each phase and job; the tables show the median (default 3)",
    },
    count: { description: "messages per run of an AMQP message phase (default 50000)" },
    calls: { description: "calls per run of an AMQP RPC phase (default 5000)" },
    seconds: { description: "stop a run of an AMQP phase after this many seconds (default 4)" },
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
const MESSAGE_BYTES = 100;
const SETTINGS: PhaseSettings = {
  url,
  count: wholeNumber("count", values.count ?? (QUICK ? "2000" : "50000"), 1),
  calls: wholeNumber("calls", values.calls ?? (QUICK ? "100" : "5000"), 1),
  seconds: wholeNumber("seconds", values.seconds ?? (QUICK ? "1" : "4"), 1),
  messageBytes: MESSAGE_BYTES,
  batchSize: wholeNumber("batch-size", values["batch-size"], 1),
  brokerPid: await localBrokerPid(url),
};

// Neither flag, or both: both parts.
const RUN_AMQP = values.amqp || !values.programs;
const RUN_PROGRAMS = values.programs || !values.amqp;

const PHASES: { id: string; label: string; unit: string; run: PhaseRun }[] = [
  { id: "publish", label: "Publish, no confirms", unit: "msgs/s", run: publishNoConfirms },
  {
    id: "confirm_individual",
    label: "Confirms: individually",
    unit: "msgs/s",
    run: confirmIndividually,
  },
  {
    id: "confirm_batch",
    label: `Confirms: batches of ${SETTINGS.batchSize}`,
    unit: "msgs/s",
    run: confirmInBatches,
  },
  {
    id: "confirm_async",
    label: "Confirms: asynchronously",
    unit: "msgs/s",
    run: confirmAsynchronously,
  },
  ...[1, 10, 100].map((prefetch) => ({
    id: `consume_prefetch_${prefetch}`,
    label: `Consume, manual ack, prefetch ${prefetch}`,
    unit: "msgs/s",
    run: consumeAtPrefetch(prefetch),
  })),
  {
    id: "producer_consumer",
    label: "Producer + consumer at once",
    unit: "msgs/s",
    run: producerAndConsumer,
  },
  { id: "rpc", label: "RPC, noDelay", unit: "calls/s", run: rpc(true) },
  { id: "rpc_nagle", label: "RPC, Nagle (amqplib default)", unit: "calls/s", run: rpc(false) },
];

/** The machine, the runtime and the broker: what a figure means depends on them. */
async function describeContext() {
  const connection = await amqp.connect(url, socketOptions(url, { name: "bench" }));
  const server = connection.connection.serverProperties;
  await connection.close();
  return {
    cpus: navigator.hardwareConcurrency,
    memoryGiB: tryOr(() => Math.round(Deno.systemMemoryInfo().total / 2 ** 30)),
    os: `${Deno.build.os} ${tryOr(() => Deno.osRelease()) ?? ""}`.trim(),
    arch: Deno.build.arch,
    loadAverage: tryOr(() => Deno.loadavg()),
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    // The resolved module's path names the installed version: .../amqplib/2.3.1/... or amqplib@2.3.1
    amqplib: import.meta.resolve("amqplib").match(/amqplib[@/](\d+\.\d+\.\d+)/)?.[1] ?? "unknown",
    broker: {
      url: maskUrl(url),
      product: String(server.product),
      version: String(server.version),
      platform: String(server.platform),
      // The broker's CPU time per message is measured only when it runs on this machine.
      osPid: SETTINGS.brokerPid ?? null,
    },
  };
}

function tryOr<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    return undefined; // not permitted, or not on this system
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
const context = await describeContext();
// Streams (RabbitMQ 3.11+): the stream client beside amqplib on a stream; none, saying why, on
// older brokers. Asked only now, once the bench knows it can connect and write its --json file.
if (RUN_AMQP) PHASES.push(...await streamPhases(url, (text) => progress(text, true)));

// The program phases' peers: found (or installed) before anything is measured.
let programSettings: ProgramSettings | undefined;
let peers: { python?: string; pika?: string; node?: string } = {};
if (RUN_PROGRAMS) {
  const python = await findPython((text) => progress(text, true));
  const node = await findNode();
  peers = {
    python: python.python,
    pika: python.python ? await pikaVersion(python.python) : undefined,
    node: node.version,
  };
  programSettings = {
    url,
    runs: RUNS,
    workerTasks: QUICK ? 200 : 5_000,
    receiveMessages: QUICK ? 1_000 : 20_000,
    logMessages: QUICK ? 1_000 : 20_000,
    rpcCalls: QUICK ? 100 : 2_000,
    confirmMessages: QUICK ? 500 : 50_000,
    launches: QUICK ? 3 : 10,
    rssMessages: QUICK ? 1_000 : 100_000,
    brokerPid: SETTINGS.brokerPid,
    python: python.python,
    node: node.node,
    missing: {
      ...(python.why ? { pika: python.why } : {}),
      ...(node.why ? { node: node.why } : {}),
    },
  };
}

const total = (RUN_AMQP ? PHASES.length * RUNS : 0) +
  (programSettings ? programSteps(programSettings) : 0);
let step = 0;
const stepLine = (text: string) => progress(`[${++step}/${total}] ${text} ...`);

const results: PhaseResult[] = [];
for (const phase of RUN_AMQP ? PHASES : []) {
  const runs: Sample[] = [];
  for (let run = 1; run <= RUNS; run++) {
    stepLine(`${phase.label}, run ${run} of ${RUNS}`);
    try {
      runs.push(await phase.run(SETTINGS));
    } catch (error) {
      progress("");
      const why = error instanceof PhaseFailure ? error.message : describeError(error, url);
      throw new ProgramError(`The bench phase "${phase.label}" failed: ${why}`);
    }
  }
  results.push({
    id: phase.id,
    label: phase.label,
    unit: phase.unit,
    runs,
    median: medianSample(runs),
  });
}

let programs: ProgramReport | undefined;
if (programSettings) {
  try {
    programs = await runProgramPhases(programSettings, {
      step: stepLine,
      note: (text) => progress(text, true),
    });
  } catch (error) {
    progress("");
    const why = error instanceof PhaseFailure ? error.message : describeError(error, url);
    throw new ProgramError(`The bench's program phases failed: ${why}`);
  }
}
progress("");

const { broker } = context;
console.log(
  `${broker.product} ${broker.version} at ${broker.url}; ${context.cpus} CPUs; Deno ${context.deno}; amqplib ${context.amqplib}${
    peers.pika ? `; pika ${peers.pika}` : ""
  }${peers.node ? `; Node.js ${peers.node}` : ""}; ${started.toISOString()}`,
);

let table: string | undefined;
if (RUN_AMQP) {
  const targets = checkTargets(Object.fromEntries(results.map((r) => [r.id, r.median])));
  for (const result of results) result.target = targets[result.id];
  table = markdownTable(results);
  console.log(
    `\nAMQP phases: ${MESSAGE_BYTES}-byte messages; each run up to ${
      formatCount(SETTINGS.count)
    } messages (${
      formatCount(SETTINGS.calls)
    } RPC calls) or ${SETTINGS.seconds} s; median of ${RUNS} run${RUNS === 1 ? "" : "s"}\n`,
  );
  console.log(table);
}

let programTables: Record<string, string> | undefined;
if (programs && programSettings) {
  const byKind = (kind: "consumers" | "confirms" | "oneShots") =>
    programs!.jobs.filter((job) =>
      kind === "oneShots"
        ? job.unit === "ms"
        : (job.id.startsWith("publisher_confirms") === (kind === "confirms")) && job.unit !== "ms"
    );
  for (const job of programs.jobs) job.target = checkProgramTarget(job);
  for (const rss of programs.rss) rss.target = checkRssTarget(rss);
  programTables = {
    consumers: consumersTable(byKind("consumers")),
    confirms: confirmsTable(byKind("confirms")),
    oneShots: oneShotsTable(byKind("oneShots")),
    rss: rssTable(programs.rss),
    sendSteps: sendStepsTable(programs.sendSteps),
  };
  const missing = Object.entries(programSettings.missing).map(([variant, why]) =>
    `\nNo ${variant === "pika" ? "pika" : "Node.js"} column: ${why}.`
  ).join("");
  const runs = `median of ${RUNS} run${RUNS === 1 ? "" : "s"}`;
  console.log(
    `\nProgram phases, long-running programs: from the first message line to the last; ${runs}${missing}\n`,
  );
  console.log(programTables.consumers);
  console.log(
    `\npublisher_confirms: the program's own timing of each strategy; ${runs}; no pika column: the official tutorials have no Python version of tutorial 7\n`,
  );
  console.log(programTables.confirms);
  console.log(
    `\nOne-shot programs: whole process, start to exit; median of ${programSettings.launches} launches per run, ${runs}\n`,
  );
  console.log(programTables.oneShots);
  console.log(`\nPeak memory while draining a backlog\n`);
  console.log(programTables.rss);
  console.log(
    `\nWhere the milliseconds of send go: medians of ${programSettings.launches} launches\n`,
  );
  console.log(programTables.sendSteps);
  for (const { what, error } of programs.retried) {
    console.log(`\nMeasured again after a failure: ${what} (${error})`);
  }
}

if (values.json) {
  const report = {
    date: started.toISOString(),
    durationSeconds: Math.round((Date.now() - started.getTime()) / 1000),
    context: { ...context, ...peers, loadAverageAtEnd: tryOr(() => Deno.loadavg()) },
    settings: { runs: RUNS, quick: QUICK, ...SETTINGS, url: maskUrl(url) },
    ...(RUN_AMQP ? { phases: results, table } : {}),
    ...(programs && programSettings
      ? {
        programs: {
          settings: { ...programSettings, url: maskUrl(url) },
          ...programs,
          tables: programTables,
        },
      }
      : {}),
  };
  await Deno.writeTextFile(values.json, JSON.stringify(report, null, 2) + "\n");
  console.log(`\nWrote the figures and their context to ${values.json}`);
}

/** The version of pika that `python` imports. */
async function pikaVersion(python: string): Promise<string | undefined> {
  const output = await new Deno.Command(python, {
    args: ["-c", "import pika; print(pika.__version__)"],
    stderr: "null",
  }).output();
  return output.success ? new TextDecoder().decode(output.stdout).trim() : undefined;
}
