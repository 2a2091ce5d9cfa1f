/**
 * The figures of `deno task bench` (bench/bench.ts): each row's runs by
 * column and their medians, the program's ratios to its peers, the targets
 * for a 2-core machine with a local broker, and the Markdown tables that the
 * bench prints and docs/benchmarks.md shows.
 *
 * @module
 */
import type { Sample } from "./clock.ts";
import type { Column } from "./columns.ts";
import type { RssResult } from "./consumers.ts";
import { type Job, medianSample, type Row } from "./measure.ts";
import type { SendSteps } from "./one_shots.ts";

/** A target (`≥ 0.95 × Node.js`), whether the medians meet it, and by how much (`0.93 × Node.js`). */
export interface TargetCheck {
  target: string;
  met: boolean;
  detail: string;
}

type Peer = Exclude<Column, "program">;

/** A row's figures: each column's runs and median, and the program's ratios to its peers. */
export interface JobResult extends Row {
  unit: Job["unit"];
  columns: Partial<Record<Column, { runs: Sample[]; median: Sample }>>;
  /** Why a column has no figures. */
  missing: Partial<Record<Column, string>>;
  /** The program's median over each peer's: above 1 the program is faster, below for `ms`. */
  ratios: Partial<Record<Peer, number>>;
  target?: TargetCheck;
}

/** A row of the job: its runs by column, their medians, the program's ratios and the target. */
export function jobResult(
  row: Row,
  job: Pick<Job, "unit" | "columns">,
  runs: Partial<Record<Column, Sample[]>>,
  missing: Partial<Record<Column, string>>,
): JobResult {
  const columns: JobResult["columns"] = {};
  for (const [column, samples] of Object.entries(runs) as [Column, Sample[]][]) {
    columns[column] = { runs: samples, median: medianSample(samples) };
  }
  const figure = job.unit === "ms" ? "ms" : "rate";
  const program = columns.program?.median[figure];
  const ratios: JobResult["ratios"] = {};
  for (const peer of ["bare", "pika", "node"] as const) {
    const theirs = columns[peer]?.median[figure];
    if (program !== undefined && theirs) ratios[peer] = program / theirs;
  }
  const result: JobResult = { ...row, unit: job.unit, columns, missing, ratios };
  // The AMQP 1.0 rows are figures beside the AMQP 0-9-1 programs', with no target of their own.
  if (row.id.startsWith("amqp10_")) return result;
  return {
    ...result,
    target: (job.columns.includes("program") ? programTarget : phaseTarget)(result),
  };
}

/** A whole number with thousands separators: `50,000`. */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

/** Milliseconds with two significant decimals below 10 ms: `0.41`, `43.9`. */
const formatMs = (ms: number) => ms < 10 ? ms.toFixed(2) : ms.toFixed(1);

/** Bytes in MiB, e.g. `61.6 MB` (MB as `free -m` and /proc mean it: 2^20 bytes). */
const formatMiB = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;

const times = (ratio: number | undefined, peer: string) =>
  ratio === undefined ? `no ${peer}` : `${ratio.toFixed(2)} × ${peer}`;

/** A floor in msgs/s for an AMQP phase's median. */
const floor = (msgs: number) => (median: Sample): TargetCheck => ({
  target: `≥ ${formatCount(msgs)} msgs/s`,
  met: median.rate >= msgs,
  detail: `${(median.rate / msgs).toFixed(2)} × the target`,
});

/** The AMQP phases' targets, for the bare loop's median (docs/benchmarks.md: where they come from). */
const PHASE_TARGETS: Record<string, (median: Sample) => TargetCheck> = {
  confirm_individual: floor(4_000),
  consume_prefetch_100: floor(25_000),
  producer_consumer: floor(18_000),
  rpc: ({ p50Ms, rate }) => ({
    target: "p50 ≤ 1 ms, ≥ 1,000 calls/s",
    met: p50Ms <= 1 && rate >= 1_000,
    detail: `p50 at ${Math.round(p50Ms * 100)}% of 1 ms, ${
      (rate / 1_000).toFixed(2)
    } × 1,000 calls/s`,
  }),
  rpc_nagle: ({ p50Ms }) => ({
    target: "shows the ~40 ms floor (p50 ≥ 35 ms)",
    met: p50Ms >= 35,
    detail: `p50 ${formatMs(p50Ms)} ms`,
  }),
};

/** The target of an AMQP phase (the bare loop on a classic queue), if it has one. */
function phaseTarget(row: JobResult): TargetCheck | undefined {
  const median = row.columns.bare?.median;
  return median && PHASE_TARGETS[row.id]?.(median);
}

/** The target of a program's row; a missing peer is left out of the check (the detail says so). */
function programTarget(row: JobResult): TargetCheck {
  const { bare, pika, node } = row.ratios;
  if (row.unit === "ms") {
    const detail = times(pika, "pika");
    return { target: "≤ 1.0 × pika's time", met: pika === undefined || pika <= 1, detail };
  }
  if (row.id.startsWith("publisher_confirms")) {
    const detail = times(node, "Node.js");
    return { target: "≥ 0.95 × Node.js", met: node === undefined || node >= 0.95, detail };
  }
  return {
    target: "≥ 0.9 × bare, ≥ 1.2 × pika",
    met: (bare ?? 0) >= 0.9 && (pika === undefined || pika >= 1.2),
    detail: `${times(bare, "bare")}, ${times(pika, "pika")}`,
  };
}

/** Peak memory of worker and receive while draining the long backlog: under 100 MB. */
const RSS_LIMIT = 100 * 2 ** 20;

/** Rows (the first is the header) as a Markdown table, columns padded to line up. */
function renderTable(rows: string[][]): string {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  const line = (row: string[]) => `| ${row.map((cell, i) => cell.padEnd(widths[i])).join(" | ")} |`;
  const rule = `| ${widths.map((width) => "-".repeat(width)).join(" | ")} |`;
  return [line(rows[0]), rule, ...rows.slice(1).map(line)].join("\n");
}

const met = (check?: TargetCheck) =>
  check ? `${check.met ? "yes" : "**no**"} (${check.detail})` : "";

/** A table of rows: the header and cells of each, then their target and whether it is met. */
function table<T>(
  header: string[],
  rows: T[],
  cells: (row: T) => string[],
  check: (row: T) => TargetCheck | undefined,
) {
  return renderTable([
    [...header, "Target", "Met"],
    ...rows.map((row) => [...cells(row), check(row)?.target ?? "", met(check(row))]),
  ]);
}

/** A median as a table cell, e.g. `35,401 msgs/s`, `138 ms` or `421 calls/s, p50 ...`. */
function figures(row: JobResult, column: Column): string {
  const median = row.columns[column]?.median;
  if (!median) return row.missing[column] ? "—" : "failed";
  if (row.unit === "ms") return `${formatCount(median.ms)} ms`;
  const rate = `${formatCount(median.rate)} ${row.unit}`;
  return median.p50Ms === undefined
    ? rate
    : `${rate}, p50 ${formatMs(median.p50Ms)} ms, p99 ${formatMs(median.p99Ms)} ms`;
}

/** CPU µs per message of the columns' processes and the broker, e.g. `program 19.0 + 9.5`. */
function cpu(row: JobResult, columns: Column[], labelled = true): string {
  return columns.flatMap((column) => {
    const median = row.columns[column]?.median;
    if (median?.cpuUs === undefined) return [];
    const broker = median.brokerCpuUs === undefined ? "" : ` + ${median.brokerCpuUs.toFixed(1)}`;
    const label = labelled ? `${column === "node" ? "Node.js" : column} ` : "";
    return [`${label}${median.cpuUs.toFixed(1)}${broker}${labelled ? "" : " µs"}`];
  }).join(", ");
}

/** The AMQP phases: the median, each run, CPU time per message (loop + broker), target. */
export function amqpTable(results: JobResult[]): string {
  const header = ["Phase", "Median", "Runs", "CPU per message (loop + broker)"];
  return table(header, results, (row) => [
    row.label,
    figures(row, "bare"),
    (row.columns.bare?.runs ?? []).map((run) => formatCount(run.rate)).join(" / "),
    cpu(row, ["bare"], false),
  ], (row) => row.target);
}

/**
 * A table of the programs' jobs: the median of the program and of each
 * peer, the published reference if any, the program's ratios, and for rates
 * the CPU time per message of every column.
 */
function programTable(header: string[], results: JobResult[], peers: Peer[], ratios = peers) {
  const columns: Column[] = ["program", ...peers];
  const reference = (row: JobResult) =>
    row.reference
      ? [`${formatCount(row.reference.rate)} msgs/s (${formatCount(row.reference.ms)} ms)`]
      : [];
  return table(header, results, (row) => [
    row.label,
    ...columns.map((column) => figures(row, column)),
    ...reference(row),
    ...ratios.map((peer) => row.ratios[peer]?.toFixed(2) ?? "—"),
    ...(row.unit === "ms" ? [] : [cpu(row, columns)]),
  ], (row) => row.target);
}

const PROGRAM = "Program (deno task)";
const CPU_HEADER = "CPU µs per message (process + broker)";

/** The long-running programs beside the bare loop and pika. */
export const consumersTable = (results: JobResult[]) =>
  programTable(
    ["Job", PROGRAM, "Bare amqplib loop", "Official Python (pika)", "Program / bare"]
      .concat("Program / pika", CPU_HEADER),
    results,
    ["bare", "pika"],
  );

/** publisher_confirms, a row per strategy, beside the loops on Deno and Node.js and Java's figure. */
export const confirmsTable = (results: JobResult[]) =>
  programTable(
    ["Strategy", PROGRAM, "Bare loop on Deno", "Same loop on Node.js", "Java tutorial (published)"]
      .concat("Program / Node.js", "Program / bare", CPU_HEADER),
    results,
    ["bare", "node"],
    ["node", "bare"],
  );

/** The one-shot programs: whole-process wall times and their ratios (times). */
export const oneShotsTable = (results: JobResult[]) =>
  programTable(
    ["Program", "deno task NAME", "Bare loop (deno run NAME.mjs)", "python3 NAME.py (pika)"]
      .concat("Program / bare (time)", "Program / pika (time)"),
    results,
    ["bare", "pika"],
  );

/**
 * The AMQP 1.0 programs beside the AMQP 0-9-1 programs that drain the same
 * backlog (`siblings`: the worker and receive rows, by id): both medians,
 * their ratio, and each one's CPU time per message.
 */
export function amqp10Table(results: JobResult[], siblings: JobResult[]): string {
  return renderTable([
    ["Job", "AMQP 1.0 program (deno task)", "AMQP 0-9-1 program", "1.0 / 0-9-1", CPU_HEADER],
    ...results.map((row) => {
      const sibling = siblings.find((job) => `amqp10_${job.id}` === row.id);
      const mine = row.columns.program?.median.rate;
      const theirs = sibling?.columns.program?.median.rate;
      return [
        row.label,
        figures(row, "program"),
        sibling ? `${figures(sibling, "program")} (${sibling.id})` : "—",
        mine !== undefined && theirs ? (mine / theirs).toFixed(2) : "—",
        [cpu(row, ["program"], false), sibling ? cpu(sibling, ["program"], false) : ""]
          .filter(Boolean).join(" vs "),
      ];
    }),
  ]);
}

/** The peak memory table: each program's VmHWM against the 100 MB target. */
export function rssTable(results: RssResult[]): string {
  const header = ["Program", "Peak RSS (VmHWM of its deno process)", "Drain time"];
  const cells = (
    rss: RssResult,
  ) => [rss.label, formatMiB(rss.peakBytes), `${rss.seconds.toFixed(1)} s`];
  return table(header, results, cells, (rss) => ({
    target: `< ${formatMiB(RSS_LIMIT)}`,
    met: rss.peakBytes < RSS_LIMIT,
    detail: `${Math.round(100 * rss.peakBytes / RSS_LIMIT)}% of it`,
  }));
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
