/**
 * What `deno task lab:show` says a broker restart does to a queue or an
 * exchange, from its flags as the management API shows them: the reading a
 * student gives the teacher on a course server, where nobody may restart
 * the broker to prove it.
 *
 * @module
 */

/** A queue as the management API lists it (the columns lab:show asks for). */
export interface ShownQueue {
  name: string;
  /** classic, quorum or stream (absent on old brokers: classic). */
  type?: string;
  durable: boolean;
  exclusive: boolean;
  auto_delete: boolean;
  /** Absent until the broker's statistics have counted the queue (up to 5 s). */
  messages_ready?: number;
  messages_unacknowledged?: number;
  /** How many of its messages are persistent (classic queues). */
  messages_persistent?: number;
  consumers?: number;
}

/** An exchange as the management API lists it. */
export interface ShownExchange {
  name: string;
  type: string;
  durable: boolean;
  auto_delete: boolean;
}

/** `1 message`, `2 messages`. */
export const plural = (count: number, what: string): string =>
  `${count} ${what}${count === 1 ? "" : "s"}`;

/**
 * What a broker restart does to the queue or exchange, in a few words, for
 * a broker of `version` (a non-durable exchange: RabbitMQ 3.x deletes it,
 * 4.3, whose metadata store is Khepri, keeps every exchange).
 *
 * @example
 * ```ts
 * restartFate({ name: "q", durable: true, exclusive: false, auto_delete: false,
 *   messages_ready: 2, messages_unacknowledged: 0, messages_persistent: 1 }, "4.3.6");
 * // "kept (durable), with its 1 persistent message; its 1 transient message lost"
 * ```
 */
export function restartFate(object: ShownQueue | ShownExchange, version: string): string {
  if ("exclusive" in object) {
    const queue = object;
    if (queue.exclusive) return "gone: an exclusive queue goes with its connection anyway";
    if (!queue.durable) return "gone, with every message in it: the queue is not durable";
    if (queue.messages_ready === undefined) {
      return "kept (durable), with its persistent messages; its transient ones lost";
    }
    const total = queue.messages_ready + (queue.messages_unacknowledged ?? 0);
    const persistent = queue.type === "quorum" ? total : queue.messages_persistent ?? 0;
    const transient = total - persistent;
    return `kept (durable), with its ${plural(persistent, "persistent message")}${
      transient > 0 ? `; its ${plural(transient, "transient message")} lost` : ""
    }`;
  }
  if (object.durable) return "kept (durable)";
  const major = Number(version.split(".")[0]);
  const minor = Number(version.split(".")[1]);
  if (major < 4) return "gone: the exchange is not durable";
  if (major > 4 || minor >= 3) {
    return `kept, though not durable: RabbitMQ ${version}'s metadata store keeps every exchange`;
  }
  return "gone or kept, depending on the broker's metadata store: the exchange is not durable";
}

/** The broker's collect_statistics_interval by default: how often its counts are refreshed. */
export const STATISTICS_INTERVAL_MS = 5_000;

/**
 * Reads with `read` until two readings `waitMs` apart are the same (the
 * broker's statistics come from several sources, each refreshed at its own
 * moment: unchanged over a whole interval, they agree), at most `tries`
 * times; `settled` is false when they kept changing.
 *
 * @example
 * ```ts
 * const { value } = await settled(() => api("/api/queues/lab5"), 5_500);
 * ```
 */
export async function settled<T>(
  read: () => Promise<T>,
  waitMs: number,
  tries = 3,
): Promise<{ value: T; settled: boolean }> {
  let last = await read();
  for (let i = 1; i < tries; i++) {
    await new Promise((resolve) => setTimeout(resolve, waitMs));
    const next = await read();
    if (JSON.stringify(next) === JSON.stringify(last)) return { value: next, settled: true };
    last = next;
  }
  return { value: last, settled: false };
}
