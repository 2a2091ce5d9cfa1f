/**
 * Stopping a program cleanly on Ctrl+C (SIGINT) or SIGTERM.
 *
 * @module
 */
/** Anything with an async `close()`: a channel or a connection. */
export interface Closable {
  close(): Promise<void>;
}

/**
 * On SIGINT or SIGTERM: closes the channel, then the connection, and exits
 * with code 0. A message the program received but has not acked goes back
 * to its queue, for another consumer. A second signal exits at once.
 *
 * @example
 * ```ts
 * const connection = await connect(url, { name: "worker" });
 * const channel = await connection.createChannel();
 * closeOnSignal(connection, channel);
 * ```
 */
export function closeOnSignal(connection: Closable, channel?: Closable): void {
  let closing = false;
  const close = async () => {
    if (closing) Deno.exit(130);
    closing = true;
    await channel?.close().catch(() => {});
    await connection.close().catch(() => {});
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGINT", close);
  Deno.addSignalListener("SIGTERM", close);
}
