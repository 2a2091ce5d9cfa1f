/**
 * Keeping a long-running program connected, whatever its protocol: the
 * first broker of the list that answers, then, whenever the connection
 * drops, the next one (waiting longer each round, up to 15 s), saying so on
 * stderr; Ctrl+C or SIGTERM closes the connection and exits 0. The protocol
 * says how to open, watch and close its connection: lib/consumer.ts for
 * AMQP 0-9-1 (amqplib), lib/amqp10/receiver.ts for AMQP 1.0 (rhea).
 *
 * @module
 */
import { type Brokers, tryInOrder } from "./connect.ts";
import { ProgramError } from "./program_error.ts";
import { closeOnSignal } from "./shutdown.ts";
import { maskUrl } from "./url.ts";

/** What {@link keepConnected} needs to know of a protocol's connection `C`. */
export interface Protocol<C> {
  /** Closes the connection cleanly (Ctrl+C). */
  close(connection: C): Promise<void>;
  /**
   * Listens to the connection: calls `lost` with the reason when it drops in
   * a way worth reconnecting (and the error, if any, that `reconnect: false`
   * ends the program with), or `fail` with an error that ends the program
   * (ignored once Ctrl+C is closing the connection).
   */
  watch(
    connection: C,
    url: string,
    lost: (reason: string, error?: unknown) => void,
    fail: (error: unknown) => void,
  ): void;
  /** Whether a failed attempt to reconnect is worth another (the broker is still starting). */
  retry(error: unknown): boolean;
  /** Ends the program with the error's sentence (default: the program's handler, `reportError`). */
  end?(error: unknown): void;
}

/** The wait before reconnection attempt `attempt`: none for the first, then doubling to 15 s. */
export function backoffMs(attempt: number, random = Math.random()): number {
  if (attempt <= 1) return 0; // straight to the next broker of the list
  const base = Math.min(15_000, 250 * 2 ** (attempt - 2));
  return Math.round(base * (0.8 + 0.4 * random));
}

/**
 * Opens the first connection (`open` connects, declares, subscribes), and
 * opens it again with the next broker whenever `protocol.watch` says it was
 * lost: "Lost the connection to ...; reconnecting", then "Reconnected to
 * ...". With several brokers it also says which one it reached first.
 * Each broker tried becomes `brokers.current`, so that an error names the
 * broker it came from; `brokers.lost` turns true once a connection is lost.
 * Resolves once the first connection is open.
 */
export async function keepConnected<C>(
  brokers: Brokers,
  open: (url: string) => Promise<C>,
  protocol: Protocol<C>,
): Promise<void> {
  const { urls, reconnect = true } = brokers;
  const end = protocol.end ?? reportError;
  // Each broker tried is the one a failure names.
  const tryOne = (url: string) => open(brokers.current = url);
  let current: C | undefined;
  // The connection being opened, if any: Ctrl+C may come before `open` returns.
  let opening: Promise<unknown> = Promise.resolve();
  let stopping = false;
  closeOnSignal({
    async close() {
      stopping = true;
      await opening.catch(() => {});
      if (current) await protocol.close(current);
    },
  });

  const watch = (connection: C, index: number) => {
    current = connection;
    brokers.current = urls[index];
    let ended = false;
    const lost = (reason: string, error?: unknown) => {
      if (stopping || ended) return;
      ended = true;
      current = undefined;
      const said = `Lost the connection to "${maskUrl(urls[index])}" (${reason})`;
      if (!reconnect) return end(error ?? new ProgramError(said));
      brokers.lost = true;
      console.error(`${said}; reconnecting`);
      opening = reconnectFrom(index + 1);
    };
    const fail = (error: unknown) => {
      if (!stopping) end(error);
    };
    protocol.watch(connection, urls[index], lost, fail);
  };

  const reconnectFrom = async (start: number) => {
    for (let attempt = 1; !stopping; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, backoffMs(attempt)));
      if (stopping) return;
      const index = (start + attempt - 1) % urls.length;
      try {
        watch(await tryOne(urls[index]), index);
        if (!stopping) console.error(`Reconnected to "${maskUrl(urls[index])}"`);
        return;
      } catch (error) {
        if (!protocol.retry(error)) return end(error);
      }
    }
  };

  const first = tryInOrder(urls, tryOne);
  opening = first;
  const { value, index } = await first;
  watch(value, index);
  if (urls.length > 1) console.error(`Connected to "${maskUrl(urls[index])}"`);
}
