/**
 * What a worker (tutorial 2's worker.ts) did, read from its output lines:
 * each task received, marked when redelivered, and each task done. For the
 * tests and the failover bench, which judge a worker by what it printed.
 *
 * @module
 */

/** A task a worker printed, and the index of that line in its output. */
export interface WorkLine {
  task: string;
  line: number;
}

/** What one worker did. */
export interface WorkLog {
  /** Each ` [x] Received 'TASK'` line, in order; `redelivered` if marked ` (redelivered)`. */
  received: (WorkLine & { redelivered: boolean })[];
  /** Each ` [x] Done` line, with the task it ends. */
  done: WorkLine[];
}

/**
 * Reads one worker's output lines (stdout): a ` [x] Done` ends the task of
 * the last ` [x] Received` line before it.
 *
 * @example
 * ```ts
 * workLog([" [x] Received 'task 1'", " [x] Done"]).done; // [{ task: "task 1", line: 1 }]
 * ```
 */
export function workLog(lines: string[]): WorkLog {
  const log: WorkLog = { received: [], done: [] };
  let current: string | undefined;
  lines.forEach((text, line) => {
    const match = text.match(/^ \[x\] Received '(.*)'( \(redelivered\))?$/);
    if (match) {
      current = match[1];
      log.received.push({ task: current, line, redelivered: match[2] !== undefined });
    } else if (text === " [x] Done" && current !== undefined) {
      log.done.push({ task: current, line });
      current = undefined;
    }
  });
  return log;
}
