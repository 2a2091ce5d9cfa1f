/**
 * The figures of `deno task bench` (scripts/bench.ts): medians over runs,
 * the targets for a 2-core machine with a local broker, and the
 * Markdown table that the bench prints and docs/benchmarks.md shows.
 *
 * @module
 */
import type { Sample } from "./_bench_phases.ts";

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

const shareOfPublish = (value: number, publish: number, share: number): TargetCheck => ({
  target: `≥ ${share} × publish`,
  met: value >= share * publish,
  detail: `${(value / publish).toFixed(2)} × publish`,
});

/**
 * The targets (2-core machine, local RabbitMQ 3.10), checked against
 * the medians by phase id.
 */
export function checkTargets(medians: Record<string, Sample>): Record<string, TargetCheck> {
  const checks: Record<string, TargetCheck> = {};
  const publish = medians.publish?.rate;
  if (publish) {
    for (const [id, share] of [["confirm_batch", 0.6], ["confirm_async", 0.85]] as const) {
      if (medians[id]) checks[id] = shareOfPublish(medians[id].rate, publish, share);
    }
  }
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
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  const line = (row: string[]) => `| ${row.map((cell, i) => cell.padEnd(widths[i])).join(" | ")} |`;
  const rule = `| ${widths.map((width) => "-".repeat(width)).join(" | ")} |`;
  return [line(rows[0]), rule, ...rows.slice(1).map(line)].join("\n");
}
