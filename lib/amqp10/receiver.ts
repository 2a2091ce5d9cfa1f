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
import type { Brokers } from "../connect.ts";
import { ProgramError } from "../program_error.ts";
import { keepConnected } from "../reconnect.ts";
import { close, type Connection } from "./connection.ts";
import { connectionForced, describeCondition } from "./errors.ts";

/**
 * Runs an AMQP 1.0 consumer (with lib/reconnect.ts): calls `open` with the
 * first broker of the list that answers; `open` connects, declares, binds,
 * attaches its receiver and grants credit, and returns its connection. When
 * the connection drops, or the broker closes it forcing it (shutting down,
 * restarting, or closed in the management UI), says so on stderr and calls
 * `open` again with the next broker of the list. Any other condition the
 * broker closes it with, or a link it detaches with an error (its queue was
 * deleted), ends the program with that error's sentence. Ctrl+C or SIGTERM
 * detaches the links, closes the connection and exits 0.
 *
 * @example
 * ```ts
 * await keepReceiving(brokers, async (url) => {
 *   const connection = await connect(url);
 *   const receiver = await openReceiver(connection, "/queues/hello");
 *   receiver.on("message", ({ message, delivery }) => delivery!.accept());
 *   receiver.add_credit(10);
 *   return connection;
 * });
 * ```
 */
export function keepReceiving(
  brokers: Brokers,
  open: (url: string) => Promise<Connection>,
): Promise<void> {
  return keepConnected(brokers, open, {
    close,
    watch(connection, url, lost, fail) {
      connection.on("disconnected", (context) => lost(context.error?.message ?? "socket closed"));
      connection.on("connection_close", () => {
        const error = connection.error as { condition?: string; description?: string } | undefined;
        if (!error || connectionForced(error)) {
          return lost(error?.description ?? "the broker closed the connection");
        }
        fail(new ProgramError(describeCondition(error, { url })));
      });
    },
    // A broker still starting refuses or resets connections: try again; anything else ends it.
    retry: (error) => !(error instanceof ProgramError) && classifyError(error) === "transient",
  });
}
