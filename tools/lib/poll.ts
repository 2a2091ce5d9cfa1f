/**
 * Waiting for a condition with a deadline: the one polling loop of the
 * tools and the tests.
 *
 * @module
 */

/** Options for {@link pollUntil}. */
export interface PollOptions {
  /** Give up after this many milliseconds (default 10,000). */
  timeoutMs?: number;
  /** Check at least this often, in milliseconds (default 50). */
  intervalMs?: number;
  /**
   * Resolves when something changed that is worth checking at once, e.g. a
   * program printed a line; without it, checks come every `intervalMs`.
   */
  changed?: () => Promise<void>;
}

/** Thrown by {@link pollUntil} when the deadline passes. */
export class PollTimeout extends Error {
  constructor(what: string, timeoutMs: number) {
    super(`Timed out after ${timeoutMs / 1000} s waiting until ${what}`);
    this.name = "PollTimeout";
  }
}

/**
 * Calls `check` until it returns something other than `undefined` or
 * `false`, and returns that; throws {@link PollTimeout} after the timeout.
 * An error `check` throws ends the wait at once.
 *
 * @example
 * ```ts
 * await pollUntil("the queue is empty", async () => (await depth(queue)) === 0);
 * ```
 */
export async function pollUntil<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  options: PollOptions = {},
): Promise<T> {
  const { timeoutMs = 10_000, intervalMs = 50, changed } = options;
  const deadline = Date.now() + timeoutMs;
  while (true) {
    const result = await check();
    if (result !== undefined && result !== false) return result;
    if (Date.now() > deadline) throw new PollTimeout(what, timeoutMs);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = new Promise<void>((resolve) => timer = setTimeout(resolve, intervalMs));
    await Promise.race(changed ? [tick, changed()] : [tick]);
    clearTimeout(timer);
  }
}
