/**
 * Connecting to RabbitMQ: the socket options a tutorial program wants, and
 * a list of brokers (the nodes of a cluster) tried in order.
 *
 * @module
 */
import amqp, { type SocketOptions } from "amqplib";
import { programName } from "./_util.ts";
import { classifyError, describeError } from "./errors.ts";
import { ProgramError } from "./program_error.ts";
import { tlsSocketOptions } from "./tls.ts";
import { maskUrl } from "./url.ts";

/**
 * The brokers a program talks to, as `cli()` reads them (`--url`,
 * `AMQP_URL`): a list tried in order, and the one reached. The functions
 * that connect ({@link connectFirst}, `keepConsuming`, `connectStream`) set
 * `current` to each broker they try; the program's handler names that
 * broker in its sentences.
 */
export interface Brokers {
  /** Broker URLs, tried in order. */
  readonly urls: string[];
  /** For a consumer: reconnect when the connection drops (default true); false: exit 1 instead. */
  readonly reconnect?: boolean;
  /** The broker the program talks to, or last tried to reach: the first of `urls` until then. */
  current: string;
  /**
   * True once `keepConsuming` has lost a connection: an ack on that
   * connection's channel fails, and the broker has requeued its message.
   */
  lost?: boolean;
}

/** Options for {@link socketOptions}. */
export interface ConnectOptions {
  /** The connection name the management UI shows (default: the program's name, e.g. "send"). */
  name?: string;
  /**
   * Send small writes at once (default true). `false` turns Nagle's algorithm
   * back on, amqplib's own default: only to measure what that costs.
   */
  noDelay?: boolean;
}

/** How long a connection attempt may take before it counts as failed. */
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * The socket options for `amqp.connect`: Nagle's algorithm off (`noDelay`,
 * or every small message waits ~40 ms for the next), a connection name the
 * management UI shows, a connect timeout, and the TLS files of the URL's
 * `cacertfile`, `certfile` and `keyfile` parameters.
 *
 * @example
 * ```ts
 * const connection = await amqp.connect(url, socketOptions(url));
 * ```
 */
export function socketOptions(url: string, options: ConnectOptions = {}): SocketOptions {
  return {
    noDelay: options.noDelay ?? true,
    timeout: CONNECT_TIMEOUT_MS,
    clientProperties: { connection_name: options.name ?? programName() },
    ...tlsSocketOptions(url),
  };
}

/** What {@link tryInOrder} returns: what `open` gave, and for which URL. */
export interface Reached<T> {
  value: T;
  /** The URL that answered. */
  url: string;
  /** Its index in the list. */
  index: number;
}

/**
 * Calls `open` with each URL in turn, from `start` (wrapping around), until
 * one succeeds. A failure that retrying will not mend (a refused login, a
 * queue declared with other arguments) is thrown at once; when no broker
 * answers, the error says so, naming them all.
 */
export async function tryInOrder<T>(
  urls: string[],
  open: (url: string) => Promise<T>,
  start = 0,
): Promise<Reached<T>> {
  let last: unknown;
  for (let i = 0; i < urls.length; i++) {
    const index = (start + i) % urls.length;
    try {
      return { value: await open(urls[index]), url: urls[index], index };
    } catch (error) {
      if (urls.length === 1 || classifyError(error) !== "transient") throw error;
      last = error;
    }
  }
  const listed = urls.map((url) => `"${maskUrl(url)}"`).join(", ");
  throw new ProgramError(
    `None of the ${urls.length} brokers answered (${listed}); the last: ${
      describeError(last, urls[(start + urls.length - 1) % urls.length])
    }`,
  );
}

/**
 * Connects to the first broker of the list that answers, trying them in
 * the order given (the first is the one you prefer; put the nearest first).
 * Each broker tried becomes `brokers.current`, so that an error, then or
 * later, names the broker it came from.
 *
 * @example
 * ```ts
 * const connection = await connectFirst(brokers, (url) => amqp.connect(url, socketOptions(url)));
 * ```
 */
export async function connectFirst<T>(
  brokers: Brokers,
  open: (url: string) => Promise<T>,
): Promise<T> {
  return (await tryInOrder(brokers.urls, (url) => open(brokers.current = url))).value;
}

/**
 * Whether the URL's user logs in with its password: a connection that
 * opens, or that the broker refuses only for its vhost, says yes; a refused
 * login says no; any other failure (no broker) is thrown.
 *
 * @example
 * ```ts
 * await logsIn("amqp://learner:secret@localhost/tutorials"); // true
 * ```
 */
export async function logsIn(url: string): Promise<boolean> {
  try {
    await (await amqp.connect(url, socketOptions(url, { name: "login check" }))).close();
    return true;
  } catch (error) {
    if (classifyError(error) === "login") return false;
    if (classifyError(error) === "vhost") return true;
    throw error;
  }
}
