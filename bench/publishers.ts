/**
 * How fast publishers send: the bare send publishing N messages without
 * confirms, timed from its first line until the queue holds them; and tutorial 7's three
 * confirm strategies, each timed by the program (or loop) itself, from its
 * line `Published N messages ... in T ms`.
 *
 * @module
 */
import type { Program } from "../tools/lib/program.ts";
import { cpuMs, type Sample, startClock, treeCpuMs } from "./clock.ts";
import { type BenchEnv, type Column, lastWords, startColumn } from "./columns.ts";
import { type Reference, RunFailure, within } from "./measure.ts";
import { deleteQueue, uniqueName, waitForDepth } from "./queues.ts";

/**
 * The bare send with COUNT=N on a durable classic queue: from its first
 * `[x] Sent` line until the queue holds them all (without confirms, only the
 * queue can say when the broker has them).
 */
export async function publish(env: BenchEnv, count: number): Promise<Sample> {
  const queue = uniqueName("publish");
  let clock: ReturnType<typeof startClock> | undefined;
  try {
    const send: Program = await startColumn(env, "bare", "send", { queue }, {
      env: { COUNT: String(count), QUEUE_TYPE: "classic" },
      onLine: () => clock ??= startClock(env.brokerPid, () => treeCpuMs([send.pid])),
    });
    if (await within(send.exited, "send (bare) to exit") !== 0 || !clock) {
      throw new RunFailure(`send (bare) failed: ${lastWords(send)}`);
    }
    await waitForDepth(env.url, queue, count);
    return clock.stop(count);
  } finally {
    await deleteQueue(env.url, queue);
  }
}

/** Tutorial 7's strategies, in the order the program runs them. */
export const STRATEGIES = ["individually", "batch", "async"] as const;

/** The Java tutorial's local figures (tutorial 7, 50,000 messages, client and broker on one machine). */
const JAVA_TUTORIAL_MS = { individually: 5_549, batch: 2_331, async: 4_054 } as const;

/** The Java tutorial's published figure for a strategy. */
export function javaReference(strategy: keyof typeof JAVA_TUTORIAL_MS): Reference {
  const ms = JAVA_TUTORIAL_MS[strategy];
  return {
    label: "Java tutorial's published local figure (50,000 messages)",
    rate: 50_000 / (ms / 1000),
    ms,
  };
}

/**
 * publisher_confirms (`--count N`, or COUNT=N for the loops): the three
 * strategies, each timed by the process itself from its line. CPU time is
 * sampled every 20 ms, so a strategy's CPU per message is what was spent
 * between its start (the line's arrival less its milliseconds) and its line.
 */
export async function publisherConfirms(
  env: BenchEnv,
  column: Column,
  count: number,
  batchSize = 100,
): Promise<Sample[]> {
  const prefix = uniqueName("confirms");
  const lines: { at: number; ms: number }[] = [];
  const cpu: { at: number; cpuMs?: number; brokerMs?: number }[] = [];
  const pids: number[] = []; // once started, its CPU time is read
  const sampleCpu = (at = performance.now()) =>
    cpu.push({
      at,
      cpuMs: treeCpuMs(pids),
      brokerMs: env.brokerPid === undefined ? undefined : cpuMs(env.brokerPid),
    });
  const onLine = (line: string, stream: "stdout" | "stderr") => {
    const match = stream === "stdout" &&
      line.match(/^Published [\d,]+ messages .* in ([\d,]+) ms$/);
    if (!match) return;
    const at = performance.now();
    sampleCpu(at);
    lines.push({ at, ms: Number(match[1].replaceAll(",", "")) });
  };
  const running = await startColumn(env, column, "publisher_confirms", { queue: prefix }, {
    args: column === "program" ? ["--count", String(count), "--batch-size", String(batchSize)] : [],
    env: { COUNT: String(count), BATCH_SIZE: String(batchSize) },
    onLine,
  });
  pids.push(running.pid);
  sampleCpu();
  const sampler = setInterval(sampleCpu, 20);
  const code = await running.exited.finally(() => clearInterval(sampler));
  if (code !== 0 || lines.length !== STRATEGIES.length) {
    throw new RunFailure(
      `publisher_confirms (${column}) exited with code ${code}: ${lastWords(running)}`,
    );
  }
  return lines.map(({ at, ms }) => {
    const end = cpu.find((reading) => reading.at >= at)!;
    const start = cpu.findLast((reading) => reading.at <= at - ms) ?? cpu[0];
    const sample: Sample = { rate: count / (ms / 1000), ms };
    if (start.cpuMs !== undefined && end.cpuMs !== undefined) {
      sample.cpuUs = (end.cpuMs - start.cpuMs) * 1000 / count;
    }
    if (start.brokerMs !== undefined && end.brokerMs !== undefined) {
      sample.brokerCpuUs = (end.brokerMs - start.brokerMs) * 1000 / count;
    }
    return sample;
  });
}
