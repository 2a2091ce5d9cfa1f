/**
 * The pretend work of the work-queue programs: a task takes a number of
 * seconds given by how often its "sleep character" occurs in it (`.` in the
 * tutorial, `#`, `*` or `-` in the lab's variants).
 *
 * @module
 */

/** Options for {@link workSeconds} and {@link work}. */
export interface WorkOptions {
  /** The character that stands for work, e.g. `.` (default `.`). */
  sleepChar?: string;
  /** Seconds of work per sleep character (default 1). */
  secondsPerChar?: number;
}

/**
 * How many seconds of work the task stands for: the number of sleep
 * characters in it times the seconds per character.
 *
 * @example
 * ```ts
 * workSeconds("Hello..."); // 3
 * workSeconds("a#b.c#", { sleepChar: "#" }); // 2
 * ```
 */
export function workSeconds(task: string, options: WorkOptions = {}): number {
  const { sleepChar = ".", secondsPerChar = 1 } = options;
  return (task.split(sleepChar).length - 1) * secondsPerChar;
}

/**
 * Does the task's work: waits {@link workSeconds} seconds.
 *
 * @example
 * ```ts
 * await work("Third message...", { sleepChar: "." }); // three seconds
 * ```
 */
export async function work(task: string, options: WorkOptions = {}): Promise<void> {
  const ms = workSeconds(task, options) * 1000;
  await new Promise((resolve) => setTimeout(resolve, ms));
}
