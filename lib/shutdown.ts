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
 * Signals that arrive within this many milliseconds of the first are that
 * same Ctrl+C. In a terminal, Ctrl+C sends SIGINT to the whole foreground
 * process group, which under `deno task` holds both `deno task` and the
 * program; `deno task` forwards the SIGINT it gets to its child as well
 * (checked with Deno 2.9.6: `kill -INT` on `deno task` alone reaches the
 * program). So the program gets two SIGINTs about 0.2 to 2 ms apart, or one
 * when the kernel merges them. Only a second Ctrl+C, later than this, means
 * "stop now".
 */
export const SAME_CTRL_C_MS = 300;

/**
 * On SIGINT or SIGTERM: closes `closable` (a connection, which closes its
 * channels; a message the program received but has not acked goes back to
 * its queue) and exits with code 0. A second Ctrl+C, {@link SAME_CTRL_C_MS}
 * or more after the first, exits at once with code 130.
 *
 * @example
 * ```ts
 * const connection = await amqp.connect(url, socketOptions(url));
 * closeOnSignal(connection);
 * ```
 */
export function closeOnSignal(closable: Closable): void {
  let first: number | undefined;
  const close = async () => {
    if (first !== undefined) {
      if (performance.now() - first < SAME_CTRL_C_MS) return; // the same Ctrl+C, forwarded
      Deno.exit(130);
    }
    first = performance.now();
    await closable.close().catch(() => {});
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGINT", close);
  Deno.addSignalListener("SIGTERM", close);
}
