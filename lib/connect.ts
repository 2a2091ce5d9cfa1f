/**
 * Connecting to RabbitMQ with the defaults a tutorial program wants.
 *
 * @module
 */
import amqp, { type ChannelModel, credentials, type SocketOptions } from "amqplib";
import { Buffer } from "node:buffer";
import { describeError, exitOnUncaughtErrors, fail } from "./errors.ts";

/** Options for {@link connect}. */
export interface ConnectOptions {
  /** The connection name the management UI shows, e.g. the program's name. */
  name: string;
  /** Give up connecting after this many milliseconds (default 10,000). */
  timeoutMs?: number;
  /**
   * Send small writes at once (default true). `false` turns Nagle's algorithm
   * back on, amqplib's own default: only to measure what that costs.
   */
  noDelay?: boolean;
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
  const connection = await amqp.connect(url, socketOptions(url, options));
  connection.on("error", (error) => fail(describeError(error, url)));
  // The broker closing the connection (e.g. from the management UI) comes as "close" only.
  connection.on("close", (error?: Error) => error && fail(describeError(error, url)));
  return connection;
}

/** The query parameters of an AMQP URL that configure TLS, as in RabbitMQ's URI spec. */
export const TLS_PARAMETERS = {
  ca: "cacertfile",
  cert: "certfile",
  key: "keyfile",
} as const;

/**
 * The socket options for amqplib: `noDelay`, the connect timeout, the
 * connection name, and for TLS the CA, client certificate and key files named
 * by the URL's `cacertfile`, `certfile` and `keyfile` parameters, with
 * `auth_mechanism=external` logging in with the certificate's identity.
 *
 * @example
 * ```ts
 * const options = socketOptions("amqps://host?cacertfile=ca.pem", { name: "worker" });
 * ```
 */
export function socketOptions(url: string, options: ConnectOptions): SocketOptions {
  const params = new URL(url).searchParams;
  const socket: SocketOptions = {
    noDelay: options.noDelay ?? true,
    timeout: options.timeoutMs ?? 10_000,
    clientProperties: { connection_name: options.name },
  };
  for (const [option, parameter] of Object.entries(TLS_PARAMETERS)) {
    const path = params.get(parameter);
    if (path) socket[option as keyof typeof TLS_PARAMETERS] = readTlsFile(path, option);
  }
  if (params.get("auth_mechanism")?.toLowerCase() === "external") {
    socket.credentials = credentials.external();
  }
  return socket;
}

const TLS_FILE_NAMES = { ca: "CA certificate", cert: "client certificate", key: "client key" };

function readTlsFile(path: string, option: string): Buffer {
  const what = TLS_FILE_NAMES[option as keyof typeof TLS_FILE_NAMES];
  try {
    return Buffer.from(Deno.readFileSync(path));
  } catch (error) {
    const reason = error instanceof Deno.errors.NotFound
      ? "no such file"
      : error instanceof Deno.errors.NotCapable
      ? "the program has no read permission (run it through its deno task)"
      : (error as Error).message;
    fail(`Cannot read the ${what} file "${path}" (--${option}): ${reason}`);
  }
}
