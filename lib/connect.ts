/**
 * Connecting to RabbitMQ with the defaults a tutorial program wants.
 *
 * @module
 */
import amqp, { type ChannelModel } from "amqplib";
import { describeError, exitOnUncaughtErrors, fail } from "./errors.ts";

/** Options for {@link connect}. */
export interface ConnectOptions {
  /** The connection name the management UI shows, e.g. the program's name. */
  name: string;
  /** Give up connecting after this many milliseconds (default 10,000). */
  timeoutMs?: number;
}

/**
 * Opens a connection: Nagle's algorithm off (`noDelay`, or every small
 * message waits ~40 ms), a connection name, a connect timeout. Any failure,
 * now or later, prints one sentence on stderr and exits with code 1.
 *
 * @example
 * ```ts
 * const connection = await connect("amqp://localhost", { name: "send" });
 * const channel = await connection.createChannel();
 * ```
 */
export async function connect(url: string, options: ConnectOptions): Promise<ChannelModel> {
  exitOnUncaughtErrors(url);
  const connection = await amqp.connect(url, {
    noDelay: true,
    timeout: options.timeoutMs ?? 10_000,
    clientProperties: { connection_name: options.name },
  });
  connection.on("error", (error) => fail(describeError(error, url)));
  return connection;
}
