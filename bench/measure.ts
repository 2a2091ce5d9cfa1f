/**
 * How the bench measures: a job is done by child processes (the program and
 * its peers, bench/columns.ts), timed from their output lines by one
 * {@link LineClock}, by the bench as their caller (RPC), by their own
 * "in T ms" lines (publisher_confirms) or as whole processes (one-shot
 * programs). What a job is, and what a failed run is.
 *
 * @module
 */
import { type Sample, startClock, treeCpuMs } from "./clock.ts";
import type { Column } from "./columns.ts";

/** A run went wrong: a program exited early, messages were lost, no answer in time. */
export class RunFailure extends Error {}

/** A published figure to read the others against, e.g. the Java tutorial's. */
export interface Reference {
  label: string;
  rate: number;
  ms: number;
}

/** One row of a table. */
export interface Row {
  /** Stable key, e.g. `worker` or `confirm_async`. */
  id: string;
  /** What the table calls it. */
  label: string;
  reference?: Reference;
}

/** A job: what the columns do, and how one run of a column is measured. */
export interface Job extends Row {
  /** What the progress lines call it, e.g. `worker` or `Publish, no confirms`. */
  step: string;
  /** `msgs/s` or `calls/s` (higher is faster), or `ms` (a one-shot's whole process). */
  unit: "msgs/s" | "calls/s" | "ms";
  /** Who does it, in the order of the first run. */
  columns: Column[];
  /** The table its rows go to (bench/report.ts): amqp, consumers, confirms, oneShots, amqp10. */
  table: string;
  /** The rows one run fills, when not one (publisher_confirms: one per strategy). */
  rows?: Row[];
  /** Why a column never has figures here. */
  missing?: Partial<Record<Column, string>>;
  /** Measures one run of `column`: a sample, or one per row. */
  measure(column: Column): Promise<Sample | Sample[]>;
}

/** Resolves like `promise`, or fails the run after `ms` (default 60 s). */
export async function within<T>(promise: Promise<T>, what: string, ms = 60_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new RunFailure(`Gave up waiting for ${what} after ${ms / 1000} s`)),
      ms,
    );
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
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

/** The `p`th percentile (nearest rank) of sorted numbers. */
export function percentile(sorted: number[], p: number): number {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** No new message line for this long: the run has stalled and fails. */
const STALL_MS = 30_000;

/** What a {@link LineClock} times. */
export interface LineSpec {
  /** The line, from any child, that starts the clock. */
  first: RegExp;
  /** The line every child prints `perChild` times before the clock stops. */
  last: RegExp;
  perChild: number;
  /** How many children print them (default 1). */
  children?: number;
  /** Messages the run moves, for the figures per message (default `perChild`). */
  messages?: number;
  brokerPid?: string;
  /** Stop this long after the first line, with the messages done by then. */
  limitMs?: number;
}

/**
 * Times message lines: starts the clock (wall, CPU of the measured processes
 * and of the broker) at the first line matching `first` from any child, and
 * stops it once every child has printed `perChild` lines matching `last`.
 *
 * @example
 * ```ts
 * const clock = new LineClock({ first: /Received/, last: /Done/, perChild: 5000 });
 * const worker = await startColumn(env, "bare", "worker", { queue }, { onLine: clock.onLine() });
 * clock.pids = [worker.pid];
 * const { rate } = await clock.result("worker", [worker.exited]);
 * ```
 */
export class LineClock {
  readonly #done: number[];
  readonly #finished = Promise.withResolvers<Sample>();
  #clock?: ReturnType<typeof startClock>;
  #sample?: Sample;
  #limit?: ReturnType<typeof setTimeout>;
  #progressAt = performance.now();
  /** The processes whose CPU time counts (set once they are started). */
  pids: number[] = [];

  constructor(readonly spec: LineSpec) {
    this.#done = Array(spec.children ?? 1).fill(0);
  }

  /** The onLine callback for child number `index`. */
  onLine(index = 0) {
    return (line: string, stream: "stdout" | "stderr") => {
      if (stream !== "stdout" || this.#sample) return;
      if (!this.#clock && this.spec.first.test(line)) {
        this.#clock = startClock(this.spec.brokerPid, () => treeCpuMs(this.pids));
        if (this.spec.limitMs) this.#limit = setTimeout(() => this.#stop(), this.spec.limitMs);
      }
      if (this.spec.last.test(line)) {
        this.#done[index]++;
        this.#progressAt = performance.now();
        if (this.#clock && this.#done.every((count) => count >= this.spec.perChild)) this.#stop();
      }
    };
  }

  #stop() {
    clearTimeout(this.#limit);
    const { perChild, messages = perChild } = this.spec;
    this.#sample = this.#clock!.stop(Math.min(...this.#done, perChild) * messages / perChild);
    this.#finished.resolve(this.#sample);
  }

  /** Resolves with the figures once every line is in; fails when the lines stop coming. */
  async result(what: string, exited: Promise<unknown>[]): Promise<Sample> {
    const timer = setInterval(() => {
      if (performance.now() - this.#progressAt > STALL_MS) {
        this.#finished.reject(
          new RunFailure(
            `${what}: no new message line for ${STALL_MS / 1000} s (${
              this.#done.join(" + ")
            } of ${this.spec.perChild} each)`,
          ),
        );
      }
    }, 1000);
    let ended = false;
    const early = Promise.race(exited).then(() => {
      if (!ended) throw new RunFailure(`${what} exited before its last message line`);
    });
    try {
      return await Promise.race([this.#finished.promise, early as Promise<never>]);
    } finally {
      ended = true;
      clearInterval(timer);
      clearTimeout(this.#limit);
    }
  }
}
