/**
 * What a publisher that counts its messages needs, in either protocol
 * (tutorial 7's programs): a bounded wait, and numbers and lists of
 * message numbers worded for a report.
 *
 * @module
 */

/** A count as people read it: 50000 is "50,000". */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

/** The whole numbers from `from` to `to`. */
export function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/**
 * "5 messages (1, 2, 3, 4, 5)", or with the first two and the last of a long list.
 *
 * @example
 * ```ts
 * listed([1, 2, 3, 7, 9, 12]); // "6 messages (1, 2, ... 12)"
 * ```
 */
export function listed(numbers: number[]): string {
  const shown = numbers.length <= 5
    ? numbers.join(", ")
    : `${numbers[0]}, ${numbers[1]}, ... ${numbers.at(-1)}`;
  return `${formatCount(numbers.length)} message${numbers.length === 1 ? "" : "s"} (${shown})`;
}

/**
 * Resolves like `promise`, or with "timeout" when it takes longer than `ms`.
 *
 * @example
 * ```ts
 * if (await settledWithin(publish(sender, message), 5000) === "timeout") giveUp();
 * ```
 */
export async function settledWithin<T>(promise: Promise<T>, ms: number): Promise<T | "timeout"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
