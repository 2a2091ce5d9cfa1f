/**
 * Stopping a long-running program cleanly on Ctrl+C (SIGINT) or SIGTERM.
 *
 * @module
 */
/** Anything with an async `close()`: a channel or a connection. */
export interface Closable {
  close(): Promise<void>;
}

/**
 * Signals that the program handles within this much of its own running
 * time after the first are that same Ctrl+C. In a terminal, Ctrl+C sends
 * SIGINT to the whole foreground process group, which under `deno task`
 * holds both `deno task` and the program; `deno task` forwards the SIGINT
 * it gets to its child as well (checked with Deno 2.9.6: `kill -INT` on
 * `deno task` alone reaches the program). So the program gets two SIGINTs,
 * or one when the kernel merges them. Only a second Ctrl+C, later than
 * this, means "stop now".
 *
 * Running time, not wall time: on a busy machine the program may not run
 * for a while between handling the terminal's copy and `deno task`'s
 * (measured: 353 ms, which the wall clock took for a second Ctrl+C), so
 * a pause longer than {@link TICK_MS} counts as one tick.
 */
export const SAME_CTRL_C_MS = 300;

/** The running clock's tick: a pause longer than this counts as this much. */
const TICK_MS = 50;

/** Signal numbers, for the exit code of a forced stop (128 + the number, as a shell reports it). */
const SIGNAL_NUMBERS = { SIGINT: 2, SIGTERM: 15 } as const;

/**
 * What a program stopped by SIGTERM (`kill`, a service manager) prints, so
 * that nobody wonders where it went: a status line on stdout, like its
 * ` [*] Waiting ...` line.
 */
export const STOPPED_BY_SIGTERM = " [*] Stopped by SIGTERM";

/** Options for {@link closeOnSignal}. */
export interface CloseOnSignalOptions {
  /**
   * Print {@link STOPPED_BY_SIGTERM} when SIGTERM stops the program
   * (default true); false for a program whose stdout is data (`--json`).
   */
  saySigterm?: boolean;
}

/** What the signal handler closes: every closable given to {@link closeOnSignal}. */
const closables: Closable[] = [];
/** False once a caller asked for no line on SIGTERM. */
let saySigterm = true;

/**
 * On SIGINT or SIGTERM: closes `closable` (a connection, which closes its
 * channels; a message the program received but has not acked goes back to
 * its queue), and any other closable given, prints
 * {@link STOPPED_BY_SIGTERM} for SIGTERM, and exits with code 0. A second Ctrl+C, {@link SAME_CTRL_C_MS} or more of
 * the program's running time after the first, exits at once with code 130
 * (143 for a second SIGTERM).
 *
 * @example
 * ```ts
 * const connection = await amqp.connect(url, socketOptions(url));
 * closeOnSignal(connection);
 * ```
 */
export function closeOnSignal(closable: Closable, options: CloseOnSignalOptions = {}): void {
  closables.push(closable);
  if (options.saySigterm === false) saySigterm = false;
  if (closables.length > 1) return; // the listeners are there already
  let clock: (() => number) | undefined;
  const stop = async (signal: keyof typeof SIGNAL_NUMBERS) => {
    if (clock !== undefined) {
      if (clock() < SAME_CTRL_C_MS) return; // the same Ctrl+C, forwarded by deno task
      Deno.exit(128 + SIGNAL_NUMBERS[signal]);
    }
    clock = runningClock();
    await Promise.all(closables.map((closable) => closable.close().catch(() => {})));
    if (signal === "SIGTERM" && saySigterm) console.log(STOPPED_BY_SIGTERM);
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGINT", () => stop("SIGINT"));
  Deno.addSignalListener("SIGTERM", () => stop("SIGTERM"));
}

/**
 * A clock of the time the program has run since now, in milliseconds: the
 * wall clock, except that a pause longer than {@link TICK_MS}, when the
 * machine did not run the program, counts as one tick.
 */
function runningClock(): () => number {
  let total = 0;
  let last = performance.now();
  const read = () => {
    const now = performance.now();
    total += Math.min(now - last, TICK_MS);
    last = now;
    return total;
  };
  Deno.unrefTimer(setInterval(read, TICK_MS));
  return read;
}
