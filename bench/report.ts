/**
 * The figures of `deno task bench` (bench/bench.ts): medians over runs, the
 * targets for a 2-core machine with a local broker, and the Markdown tables
 * that the bench prints and docs/benchmarks.md shows: the AMQP phases, and
 * the program phases (bench/programs.ts) with their ratios to the peers.
 *
 * @module
 */
import type { Sample } from "./phases.ts";
import type { JobResult, RssResult, SendSteps, Variant } from "./programs.ts";

/** A phase's runs and their medians. */
export interface PhaseResult {
  /** Stable key, e.g. `confirm_async`. */
  id: string;
  /** What the table calls it. */
  label: string;
  /** `msgs/s` or `calls/s`. */
  unit: string;
  /** One sample per run. */
  runs: Sample[];
  /** The median of each figure over the runs. */
  median: Sample;
  /** The target for this phase, if it has one, and whether the median meets it. */
  target?: TargetCheck;
}

/** A target and how the measured figures compare with it. */
export interface TargetCheck {
  /** The target, e.g. `≥ 0.85 × publish`. */
  target: string;
  met: boolean;
  /** How far above or below, e.g. `0.93 × publish` or `62% of the target`. */
  detail: string;
}

/** The median of some numbers (the mean of the middle two for an even count). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** The median of each figure over the runs. */
export function medianSample(runs: Sample[]): Sample {
  const keys = Object.keys(runs[0] ?? {});
  return Object.fromEntries(keys.map((key) => [key, median(runs.map((run) => run[key]))]));
}

/** A whole number with thousands separators: `50,000`. */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

/** Milliseconds with two significant decimals below 10 ms: `0.41`, `43.9`. */
export function formatMs(ms: number): string {
  return ms < 10 ? ms.toFixed(2) : ms.toFixed(1);
}

const atLeast = (value: number, target: number, unit: string): TargetCheck => ({
  target: `≥ ${formatCount(target)} ${unit}`,
  met: value >= target,
  detail: `${(value / target).toFixed(2)} × the target`,
});

/**
 * The targets of the AMQP phases (2-core machine, local RabbitMQ 3.10),
 * checked against the medians by phase id. The ratios of batches and
 * asynchronous confirms to publishing without confirms (once ≥ 0.6 and
 * ≥ 0.85) are retired: they measured the broker's extra work for confirms,
 * not amqplib or this project; the program phases compare
 * `publisher_confirms` with the same loops on Node.js instead.
 */
export function checkTargets(medians: Record<string, Sample>): Record<string, TargetCheck> {
  const checks: Record<string, TargetCheck> = {};
  if (medians.confirm_individual) {
    checks.confirm_individual = atLeast(medians.confirm_individual.rate, 4_000, "msgs/s");
  }
  if (medians.consume_prefetch_100) {
    checks.consume_prefetch_100 = atLeast(medians.consume_prefetch_100.rate, 25_000, "msgs/s");
  }
  if (medians.producer_consumer) {
    checks.producer_consumer = atLeast(medians.producer_consumer.rate, 18_000, "msgs/s");
  }
  if (medians.rpc) {
    const { rate, p50Ms } = medians.rpc;
    checks.rpc = {
      target: "p50 ≤ 1 ms, ≥ 1,000 calls/s",
      met: p50Ms <= 1 && rate >= 1_000,
      detail: `p50 at ${Math.round(p50Ms * 100)}% of 1 ms, ${
        (rate / 1_000).toFixed(2)
      } × 1,000 calls/s`,
    };
  }
  if (medians.rpc_nagle) {
    const { p50Ms } = medians.rpc_nagle;
    checks.rpc_nagle = {
      target: "shows the ~40 ms floor (p50 ≥ 35 ms)",
      met: p50Ms >= 35,
      detail: `p50 ${formatMs(p50Ms)} ms`,
    };
  }
  return checks;
}

/** CPU µs per message: `4.1 + 16.0 µs` (bench + broker), `4.1 µs` (bench only), or nothing. */
function cpu(sample: Sample): string {
  const us = (n: number) => n.toFixed(1);
  if (sample.clientCpuUs === undefined) return "";
  if (sample.brokerCpuUs === undefined) return `${us(sample.clientCpuUs)} µs`;
  return `${us(sample.clientCpuUs)} + ${us(sample.brokerCpuUs)} µs`;
}

function figures(sample: Sample, unit: string): string {
  const rate = `${formatCount(sample.rate)} ${unit}`;
  return sample.p50Ms === undefined
    ? rate
    : `${rate}, p50 ${formatMs(sample.p50Ms)} ms, p99 ${formatMs(sample.p99Ms)} ms`;
}

/**
 * The results as a Markdown table: phase, median, each run, CPU time per
 * message (bench + broker, medians), target, met or not.
 */
export function markdownTable(results: PhaseResult[]): string {
  const rows = [
    ["Phase", "Median", "Runs", "CPU per message (bench + broker)", "Target", "Met"],
    ...results.map((result) => [
      result.label,
      figures(result.median, result.unit),
      result.runs.map((run) => formatCount(run.rate)).join(" / "),
      cpu(result.median),
      result.target?.target ?? "",
      result.target ? `${result.target.met ? "yes" : "**no**"} (${result.target.detail})` : "",
    ]),
  ];
  return renderTable(rows);
}

/** Rows (the first is the header) as a Markdown table, columns padded to line up. */
function renderTable(rows: string[][]): string {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  const line = (row: string[]) => `| ${row.map((cell, i) => cell.padEnd(widths[i])).join(" | ")} |`;
  const rule = `| ${widths.map((width) => "-".repeat(width)).join(" | ")} |`;
  return [line(rows[0]), rule, ...rows.slice(1).map(line)].join("\n");
}

/** The targets of the program phases, by kind of job. */
export const PROGRAM_TARGETS = {
  /** Long-running programs: at least this share of the bare loop's rate ... */
  bare: 0.9,
  /** ... and this multiple of the pika program's. */
  pika: 1.2,
  /** publisher_confirms: at least this share of the same loops' rate on Node.js. */
  node: 0.95,
  /** One-shot programs: at most this multiple of `python3 NAME.py`'s whole-process time. */
  pikaTime: 1.0,
  /** Peak memory of worker and receive while draining the long backlog. */
  rssBytes: 100 * 2 ** 20,
} as const;

const times = (ratio: number | undefined, peer: string) =>
  ratio === undefined ? `no ${peer}` : `${ratio.toFixed(2)} × ${peer}`;

/**
 * Checks a program job against its target: long-running programs ≥ 0.9 ×
 * the bare loop and ≥ 1.2 × pika; publisher_confirms ≥ 0.95 × Node.js;
 * one-shot programs ≤ 1.0 × pika's whole-process time. A peer that is
 * missing is left out of the check (and the detail says so).
 */
export function checkProgramTarget(job: JobResult): TargetCheck {
  const { bare, pika, node } = job.ratios;
  if (job.unit === "ms") {
    return {
      target: `≤ ${PROGRAM_TARGETS.pikaTime.toFixed(1)} × pika's time`,
      met: pika === undefined || pika <= PROGRAM_TARGETS.pikaTime,
      detail: times(pika, "pika"),
    };
  }
  if (job.id.startsWith("publisher_confirms")) {
    return {
      target: `≥ ${PROGRAM_TARGETS.node} × Node.js`,
      met: node === undefined || node >= PROGRAM_TARGETS.node,
      detail: times(node, "Node.js"),
    };
  }
  return {
    target: `≥ ${PROGRAM_TARGETS.bare} × bare, ≥ ${PROGRAM_TARGETS.pika} × pika`,
    met: (bare ?? 0) >= PROGRAM_TARGETS.bare &&
      (pika === undefined || pika >= PROGRAM_TARGETS.pika),
    detail: `${times(bare, "bare")}, ${times(pika, "pika")}`,
  };
}

/** Checks a peak memory against its target (under 100 MB). */
export function checkRssTarget(rss: RssResult): TargetCheck {
  const limit = PROGRAM_TARGETS.rssBytes;
  return {
    target: `< ${formatMiB(limit)}`,
    met: rss.peakBytes < limit,
    detail: `${Math.round(100 * rss.peakBytes / limit)}% of it`,
  };
}

/** Bytes in MiB, e.g. `61.6 MB` (MB as `free -m` and /proc mean it: 2^20 bytes). */
export function formatMiB(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MB`;
}

const met = (check: TargetCheck) => `${check.met ? "yes" : "**no**"} (${check.detail})`;

/** A variant's median as a table cell, e.g. `35,401 msgs/s` or `138 ms`. */
function variantCell(job: JobResult, variant: Variant): string {
  const median = job.variants[variant]?.median;
  if (!median) return job.missing[variant] ? "—" : "";
  if (job.unit === "ms") return `${formatCount(median.ms)} ms`;
  const rate = `${formatCount(median.rate)} ${job.unit}`;
  return median.p50Ms === undefined
    ? rate
    : `${rate}, p50 ${formatMs(median.p50Ms)} ms, p99 ${formatMs(median.p99Ms)} ms`;
}

/** CPU µs per message of each variant's processes and the broker, e.g. `program 19.0 + 9.5`. */
function cpuCell(job: JobResult, variants: Variant[]): string {
  return variants.flatMap((variant) => {
    const median = job.variants[variant]?.median;
    if (median?.cpuUs === undefined) return [];
    const broker = median.brokerCpuUs === undefined ? "" : ` + ${median.brokerCpuUs.toFixed(1)}`;
    return [`${VARIANT_LABELS[variant]} ${median.cpuUs.toFixed(1)}${broker}`];
  }).join(", ");
}

const VARIANT_LABELS: Record<Variant, string> = {
  program: "program",
  bare: "bare",
  pika: "pika",
  node: "Node.js",
};

const ratioCell = (ratio: number | undefined) => ratio === undefined ? "—" : ratio.toFixed(2);

/**
 * The long-running programs' table: each variant's median rate, the
 * program's ratios to the bare loop and to pika, CPU per message, target.
 */
export function consumersTable(jobs: JobResult[]): string {
  return renderTable([
    [
      "Job",
      "Program (deno task)",
      "Bare amqplib loop",
      "Official Python (pika)",
      "Program / bare",
      "Program / pika",
      "CPU µs per message (process + broker)",
      "Target",
      "Met",
    ],
    ...jobs.map((job) => {
      const check = checkProgramTarget(job);
      return [
        job.label,
        variantCell(job, "program"),
        variantCell(job, "bare"),
        variantCell(job, "pika"),
        ratioCell(job.ratios.bare),
        ratioCell(job.ratios.pika),
        cpuCell(job, ["program", "bare", "pika"]),
        check.target,
        met(check),
      ];
    }),
  ]);
}

/**
 * publisher_confirms' table, a row per strategy: the program, the bare loops
 * on Deno and on Node.js, the Java tutorial's published figure, the ratios.
 */
export function confirmsTable(jobs: JobResult[]): string {
  return renderTable([
    [
      "Strategy",
      "Program (deno task)",
      "Bare loop on Deno",
      "Same loop on Node.js",
      "Java tutorial (published)",
      "Program / Node.js",
      "Program / bare",
      "CPU µs per message (process + broker)",
      "Target",
      "Met",
    ],
    ...jobs.map((job) => {
      const check = checkProgramTarget(job);
      const reference = job.reference
        ? `${formatCount(job.reference.rate)} msgs/s (${formatCount(job.reference.ms)} ms)`
        : "";
      return [
        job.label,
        variantCell(job, "program"),
        variantCell(job, "bare"),
        variantCell(job, "node"),
        reference,
        ratioCell(job.ratios.node),
        ratioCell(job.ratios.bare),
        cpuCell(job, ["program", "bare", "node"]),
        check.target,
        met(check),
      ];
    }),
  ]);
}

/** The one-shot programs' table: whole-process wall times and their ratios (times). */
export function oneShotsTable(jobs: JobResult[]): string {
  return renderTable([
    [
      "Program",
      "deno task NAME",
      "Bare loop (deno run NAME.mjs)",
      "python3 NAME.py (pika)",
      "Program / bare (time)",
      "Program / pika (time)",
      "Target",
      "Met",
    ],
    ...jobs.map((job) => {
      const check = checkProgramTarget(job);
      return [
        job.label,
        variantCell(job, "program"),
        variantCell(job, "bare"),
        variantCell(job, "pika"),
        ratioCell(job.ratios.bare),
        ratioCell(job.ratios.pika),
        check.target,
        met(check),
      ];
    }),
  ]);
}

/** The peak memory table. */
export function rssTable(results: RssResult[]): string {
  return renderTable([
    ["Program", "Peak RSS (VmHWM of its deno process)", "Drain time", "Target", "Met"],
    ...results.map((rss) => {
      const check = checkRssTarget(rss);
      return [
        rss.label,
        formatMiB(rss.peakBytes),
        `${rss.seconds.toFixed(1)} s`,
        check.target,
        met(check),
      ];
    }),
  ]);
}

/** The steps of send, in order, and what the table calls them. */
const SEND_STEPS: [string, string][] = [
  ["task", "`deno task` itself (reads deno.json, starts `deno run`)"],
  ["start", "Runtime start-up, to the program's first line"],
  ["loaded", "Loading modules (amqplib and lib/ / pika)"],
  ["connected", "TCP connect + AMQP handshake"],
  ["channel", "Open a channel"],
  ["declared", "Declare the queue"],
  ["published", "Publish and print"],
  ["closed", "Close channel and connection"],
  ["exit", "Exit, after the close"],
];

/**
 * Where send's milliseconds go: medians of each step for `deno task send`
 * and `python3 send.py`. `deno task`'s share is the difference between the
 * whole-process medians of `deno task -q send` and of its own command line.
 */
export function sendStepsTable(steps: SendSteps): string {
  const ms = (value: number | undefined) => value === undefined ? "—" : formatMs(value);
  const deno: Record<string, number> = { ...steps.deno, task: steps.deno.task - steps.deno.run };
  return renderTable([
    ["Step (median ms)", "deno task send", "python3 send.py"],
    ...SEND_STEPS.map((
      [key, label],
    ) => [label, ms(deno[key]), key === "task" ? "—" : ms(steps.pika?.[key])]),
    ["Whole process (median of its own launches)", ms(steps.deno.task), ms(steps.pika?.total)],
  ]);
}
