/**
 * Benchmark: how many messages per second the configured broker and amqplib
 * move, and where the time goes. With 100-byte messages and a fresh queue per
 * phase, it measures publishing without confirms, the three confirm
 * strategies of tutorial 7, consuming with manual ack at prefetch 1, 10 and
 * 100, a producer and a consumer at once, and tutorial 6's RPC with
 * `noDelay` and with Nagle's algorithm (amqplib's default). Each phase runs
 * --runs times, up to --count messages (--calls RPC calls) or --seconds per
 * run; the table shows the medians and the targets of a 2-core machine with a
 * local broker. Where it can (Linux, broker on this machine, management
 * plugin on), it also shows the CPU time the bench and the broker spend per
 * message: where the time goes. docs/benchmarks.md explains the figures.
 *
 * Run:   deno task bench                      (about a minute and a half)
 *        deno task bench --json bench.json    (also save the figures with their context)
 *        deno task bench --quick              (small counts, one run: a smoke test)
 * Needs: --allow-all: Deno lets only such a program read /proc, where the broker's CPU time is
 *        (without it the table leaves that out; the rest needs net, env, read, write and sys)
 */
import { intOption, parseCli } from "../lib/config.ts";
import { connect } from "../lib/connect.ts";
import { describeError, fail } from "../lib/errors.ts";
import { maskUrl } from "../lib/url.ts";
import { localBrokerPid } from "../lib/_bench_cpu.ts";
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
} from "../lib/_bench_phases.ts";
import {
  checkTargets,
  formatCount,
  markdownTable,
  medianSample,
  type PhaseResult,
} from "../lib/_bench_report.ts";

const { url, values } = parseCli({
  name: "bench",
  summary: "Measure publish, confirm, consume and RPC rates on the configured broker",
  maxArgs: 0,
  options: {
    runs: {
      type: "string",
      description: "runs of each phase; the table shows the median (default 3)",
    },
    count: { type: "string", description: "messages per run of a message phase (default 50000)" },
    calls: { type: "string", description: "calls per run of an RPC phase (default 5000)" },
    seconds: { type: "string", description: "stop a run after this many seconds (default 4)" },
    "batch-size": { type: "string", default: "100", description: "messages per confirm batch" },
    json: { type: "string", description: "also write the figures and their context to this file" },
    quick: {
      type: "boolean",
      description: "smoke test: defaults of 1 run, 2000 messages, 100 calls, 1 second",
    },
  },
});
const QUICK = values.quick;
const RUNS = intOption("runs", values.runs ?? (QUICK ? "1" : "3"), 1);
const MESSAGE_BYTES = 100;
const SETTINGS: PhaseSettings = {
  url,
  count: intOption("count", values.count ?? (QUICK ? "2000" : "50000"), 1),
  calls: intOption("calls", values.calls ?? (QUICK ? "100" : "5000"), 1),
  seconds: intOption("seconds", values.seconds ?? (QUICK ? "1" : "4"), 1),
  messageBytes: MESSAGE_BYTES,
  batchSize: intOption("batch-size", values["batch-size"], 1),
  brokerPid: await localBrokerPid(url),
};

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
  const connection = await connect(url, { name: "bench" });
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

/** One line on stderr that rewrites itself in a terminal, else one line per step. */
function progress(text: string) {
  if (Deno.stderr.isTerminal()) {
    Deno.stderr.writeSync(new TextEncoder().encode(`\r\x1b[K${text}`));
  } else if (text) {
    console.error(text);
  }
}

if (values.json) {
  // Fail now, not after two minutes of measuring, if the file cannot be written.
  try {
    Deno.openSync(values.json, { write: true, create: true }).close();
  } catch (error) {
    fail(`Cannot write the --json file "${values.json}": ${(error as Error).message}`);
  }
}

const started = new Date();
const context = await describeContext();
const results: PhaseResult[] = [];
const total = PHASES.length * RUNS;
for (const [index, phase] of PHASES.entries()) {
  const runs: Sample[] = [];
  for (let run = 1; run <= RUNS; run++) {
    const step = index * RUNS + run;
    progress(`[${step}/${total}] ${phase.label}, run ${run} of ${RUNS} ...`);
    try {
      runs.push(await phase.run(SETTINGS));
    } catch (error) {
      progress("");
      const why = error instanceof PhaseFailure ? error.message : describeError(error, url);
      fail(`The bench phase "${phase.label}" failed: ${why}`);
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
progress("");

const targets = checkTargets(Object.fromEntries(results.map((r) => [r.id, r.median])));
for (const result of results) result.target = targets[result.id];
const table = markdownTable(results);
const { broker } = context;
console.log(
  `${broker.product} ${broker.version} at ${broker.url}; ${context.cpus} CPUs; Deno ${context.deno}; amqplib ${context.amqplib}`,
);
console.log(
  `${MESSAGE_BYTES}-byte messages; each run up to ${formatCount(SETTINGS.count)} messages (${
    formatCount(SETTINGS.calls)
  } RPC calls) or ${SETTINGS.seconds} s; median of ${RUNS} run${
    RUNS === 1 ? "" : "s"
  }; ${started.toISOString()}`,
);
console.log();
console.log(table);

if (values.json) {
  const report = {
    date: started.toISOString(),
    durationSeconds: Math.round((Date.now() - started.getTime()) / 1000),
    context: { ...context, loadAverageAtEnd: tryOr(() => Deno.loadavg()) },
    settings: { runs: RUNS, quick: QUICK, ...SETTINGS, url: maskUrl(url) },
    phases: results,
    table,
  };
  await Deno.writeTextFile(values.json, JSON.stringify(report, null, 2) + "\n");
  console.log(`\nWrote the figures and their context to ${values.json}`);
}
