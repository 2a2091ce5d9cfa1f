/**
 * Long-running AMQP 1.0 consumers that survive a broker restart or a
 * dropped connection: they open a new connection (to the next broker of the
 * list), declare and bind again, and attach their receiver again. The
 * messages a receiver had not settled when its connection dropped go back
 * to their queue: the broker hands them out again, `first-acquirer` false.
 *
 * @module
 */
import { classifyError } from "../errors.ts";
import { tryInOrder } from "../connect.ts";
import { ProgramError } from "../program_error.ts";
import { closeOnSignal } from "../shutdown.ts";
import { maskUrl } from "../url.ts";
import { close, type Connection, reportLater as fail } from "./connection.ts";
import { connectionForced, describeCondition } from "./errors.ts";

/** The brokers of {@link keepReceiving}, as `cli()` gives them. */
export interface Brokers {
  /** Broker URLs, tried in order. */
  urls: string[];
  /** Reconnect when the connection drops (default true); false: exit 1 instead. */
  reconnect?: boolean;
}

/** The wait before reconnection attempt `attempt`: none for the first, then doubling to 15 s. */
export function backoffMs(attempt: number, random = Math.random()): number {
  if (attempt <= 1) return 0;
  const base = Math.min(15_000, 250 * 2 ** (attempt - 2));
  return Math.round(base * (0.8 + 0.4 * random));
}

/**
 * Runs an AMQP 1.0 consumer: calls `open` with the first broker of the list
 * that answers; `open` connects, declares, binds, attaches its receiver and
 * grants credit, and returns its connection. When the connection drops, or
 * the broker closes it because it is shutting down (`amqp:connection:forced`),
 * says so on stderr and calls `open` again, with the next broker of the list
 * (waiting longer each round, up to 15 s), and says which broker it reached.
 * A link the broker detaches with an error (its queue was deleted) ends the
 * program with that error's sentence. Ctrl+C or SIGTERM detaches the links,
 * closes the connection and exits 0.
 *
 * @example
 * ```ts
 * await keepReceiving({ urls }, async (url) => {
 *   const connection = await connect(url);
 *   const receiver = await openReceiver(connection, "/queues/hello");
 *   receiver.on("message", ({ message, delivery }) => delivery!.accept());
 *   receiver.add_credit(10);
 *   return connection;
 * });
 * ```
 */
export async function keepReceiving(
  brokers: Brokers,
  open: (url: string) => Promise<Connection>,
): Promise<void> {
  const { urls, reconnect = true } = brokers;
  let current: Connection | undefined;
  // The connection being opened, if any: Ctrl+C may come before `open` returns.
  let opening: Promise<unknown> = Promise.resolve();
  let stopping = false;
  closeOnSignal({
    async close() {
      stopping = true;
      await opening.catch(() => {});
      if (current) await close(current);
    },
  });

  const watch = (connection: Connection, index: number) => {
    current = connection;
    const url = urls[index];
    let ended = false;
    const lost = (reason: string) => {
      if (stopping || ended) return;
      ended = true;
      current = undefined;
      if (!reconnect) {
        return fail(new ProgramError(`Lost the connection to "${maskUrl(url)}" (${reason})`));
      }
      console.error(`Lost the connection to "${maskUrl(url)}" (${reason}); reconnecting`);
      opening = reconnectFrom(index + 1);
    };
    connection.on("disconnected", (context) => lost(context.error?.message ?? "socket closed"));
    connection.on("connection_close", () => {
      const error = connection.error as { condition?: string; description?: string } | undefined;
      if (!error || connectionForced(error)) {
        return lost(error?.description ?? "the broker closed the connection");
      }
      if (!stopping) fail(new ProgramError(describeCondition(error, { url })));
    });
  };

  const reconnectFrom = async (start: number) => {
    for (let attempt = 1; !stopping; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, backoffMs(attempt)));
      if (stopping) return;
      const index = (start + attempt - 1) % urls.length;
      try {
        const connection = await open(urls[index]);
        watch(connection, index);
        if (!stopping) console.error(`Reconnected to "${maskUrl(urls[index])}"`);
        return;
      } catch (error) {
        // A broker still starting refuses or resets connections: try again; anything else ends it.
        if (error instanceof ProgramError || classifyError(error) !== "transient") {
          return fail(error);
        }
      }
    }
  };

  const first = tryInOrder(urls, open);
  opening = first;
  const { value, index } = await first;
  watch(value, index);
  if (urls.length > 1) console.error(`Connected to "${maskUrl(urls[index])}"`);
}
