/**
 * RabbitMQ Streams through `rabbitmq-stream-js-client`: where the stream
 * port is, connecting to it from the AMQP URL the other programs use
 * (host, user, password and vhost), and one sentence with the fix for each
 * way that fails: a broker older than 3.11, the stream plugin off, the
 * port closed, an advertised host this machine cannot reach, a stream that
 * exists with other arguments.
 *
 * The stream client speaks the stream protocol (port 5552), not AMQP. It
 * needs RabbitMQ 3.11 or later: an older broker closes the connection right
 * after the login, at a command it does not know, which the client reports
 * as "Unknown response 22" from inside its socket handler, where no caller
 * can catch it. So {@link connectStream} first asks the broker its version
 * over AMQP, which also gives the usual sentences for a wrong password or a
 * missing vhost.
 *
 * @module
 */
import type { Client, ClientParams } from "rabbitmq-stream-js-client";
import type { OptionSpec } from "./cli.ts";
import { brokerVersion } from "./broker_version.ts";
import { tryInOrder } from "./connect.ts";
import { ProgramError, reportAndExit } from "./errors.ts";
import { managementRequest } from "./management.ts";
import { tlsSocketOptions } from "./tls.ts";
import { maskUrl, urlParts } from "./url.ts";

/** The stream port of RabbitMQ's stream plugin (5551 with TLS). */
export const DEFAULT_STREAM_PORT = 5552;

/** The stream port with TLS, for an `amqps://` URL. */
export const DEFAULT_STREAM_TLS_PORT = 5551;

/** The oldest RabbitMQ the stream client works with. */
export const MINIMUM_VERSION = "3.11";

/** The `--stream-port` flag every stream program takes, for its `cli()` spec. */
export const STREAM_PORT_OPTION: OptionSpec = {
  description:
    `the broker's stream port (default: $RABBITMQ_STREAM_PORT, else ${DEFAULT_STREAM_PORT}, or ${DEFAULT_STREAM_TLS_PORT} for amqps://)`,
};

/** The stream protocol's response codes that the sentences name (RabbitMQ's PROTOCOL.adoc). */
export const RESPONSE_CODES = {
  streamDoesNotExist: 2,
  streamNotAvailable: 6,
  accessRefused: 16,
  preconditionFailed: 17,
  noOffset: 19,
} as const;

/**
 * The stream port to connect to: `--stream-port`, else `RABBITMQ_STREAM_PORT`,
 * else 5552 (5551 for an `amqps://` URL). Throws a usage
 * {@link ProgramError} for a value that is not a port.
 *
 * @example
 * ```ts
 * streamPort("amqp://localhost", undefined, () => undefined); // 5552
 * streamPort("amqp://localhost", "5554"); // 5554
 * ```
 */
export function streamPort(
  url: string,
  flag: string | undefined,
  env: (name: string) => string | undefined = (name) => Deno.env.get(name),
): number {
  const fromEnv = env("RABBITMQ_STREAM_PORT") || undefined;
  const value = flag ?? fromEnv;
  if (value === undefined) {
    return new URL(url).protocol === "amqps:" ? DEFAULT_STREAM_TLS_PORT : DEFAULT_STREAM_PORT;
  }
  const port = Number(value);
  if (!/^\d+$/.test(value.trim()) || port < 1 || port > 65535) {
    const source = flag === undefined ? "RABBITMQ_STREAM_PORT" : "--stream-port";
    throw new ProgramError(
      `Invalid value for ${source}: "${value}" is not a port number (1 to 65535)`,
      "usage",
    );
  }
  return port;
}

/**
 * The stream client's connection settings for the broker of an AMQP URL:
 * its host, user (default guest), password and vhost (default `/`), the
 * given port, a connection name the management UI shows, and for an
 * `amqps://` URL TLS with the URL's certificate files.
 *
 * @example
 * ```ts
 * streamOptions("amqp://bob:secret@localhost/shop", 5552);
 * // { hostname: "localhost", port: 5552, username: "bob", password: "secret", vhost: "shop", ... }
 * ```
 */
export function streamOptions(url: string, port: number, name = programName()): ClientParams {
  const parsed = new URL(url);
  const { host, vhost } = urlParts(url);
  const options: ClientParams = {
    hostname: host,
    port,
    username: parsed.username ? decodeURIComponent(parsed.username) : "guest",
    password: parsed.password ? decodeURIComponent(parsed.password) : "guest",
    vhost,
    connectionName: name,
    // A connect that gets no answer fails after this long, instead of waiting for ever.
    socketTimeout: 10_000,
  };
  if (parsed.protocol === "amqps:") {
    const { ca, cert, key } = tlsSocketOptions(url) as Record<string, { toString(): string }>;
    options.ssl = { ca: ca?.toString(), cert: cert?.toString(), key: key?.toString() };
  }
  return options;
}

/**
 * True when RabbitMQ `version` (e.g. "3.10.8", "4.3.6") is at least
 * {@link MINIMUM_VERSION}; a version it cannot read counts as new enough.
 */
export function supportsStreams(version: string): boolean {
  const match = version.match(/^(\d+)\.(\d+)/);
  if (!match) return true;
  const [major, minor] = [Number(match[1]), Number(match[2])];
  return major > 3 || (major === 3 && minor >= 11);
}

/** The sentence for a broker too old for the stream client. */
export function tooOldSentence(url: string, version: string): string {
  return `The broker at "${
    maskUrl(url)
  }" is RabbitMQ ${version}, but the stream client needs RabbitMQ ${MINIMUM_VERSION} or later; upgrade it, or stop it and start this project's RabbitMQ 4.3 (compose.yaml, stream plugin on) with "docker compose up -d"`;
}

/** What {@link noStreamPortSentence} knows about a refused stream port. */
export interface RefusedPort {
  /** The broker's AMQP URL. */
  url: string;
  /** The stream port that refused the connection. */
  port: number;
  /** The broker's version, as it said over AMQP. */
  version: string;
  /**
   * The ports the broker's stream listeners use, from its management API;
   * `[]`: none (the plugin is off); undefined: the API did not answer.
   */
  listeners?: number[];
}

/**
 * The sentence for a stream port that refuses connections while the broker
 * answers over AMQP: the plugin is off, or the port is another one, or the
 * port is not reachable from here.
 *
 * @example
 * ```ts
 * noStreamPortSentence({ url: "amqp://localhost", port: 5552, version: "4.3.6", listeners: [] });
 * // 'The broker at "amqp://localhost" (RabbitMQ 4.3.6) does not listen for streams: its plugin rabbitmq_stream is off; ...'
 * ```
 */
export function noStreamPortSentence(refused: RefusedPort): string {
  const { url, port, version, listeners } = refused;
  const broker = `The broker at "${maskUrl(url)}" (RabbitMQ ${version})`;
  const endpoint = `"${hostPort(urlParts(url).host, port)}"`;
  if (listeners?.length === 0) {
    return `${broker} does not listen for streams: its plugin rabbitmq_stream is off; enable it with "rabbitmq-plugins enable rabbitmq_stream" (or "docker compose exec rabbitmq rabbitmq-plugins enable rabbitmq_stream"), then run again`;
  }
  if (listeners && !listeners.includes(port)) {
    const ports = listeners.join(" and ");
    return `${broker} listens for streams on port ${ports}, not ${port}: nothing answers on ${endpoint}; pass --stream-port ${
      listeners[0]
    } (or set RABBITMQ_STREAM_PORT=${listeners[0]})`;
  }
  if (listeners) {
    return `${broker} listens for streams on port ${port}, but ${endpoint} refuses connections from here: if the broker runs in a container, publish the port (compose.yaml: "127.0.0.1:${port}:${port}"), else check the host and any firewall`;
  }
  return `${broker} answers over AMQP, but nothing answers on its stream port ${endpoint}: enable the stream plugin with "rabbitmq-plugins enable rabbitmq_stream", or give the broker's stream port with --stream-port`;
}

/** The advertised endpoint of {@link streamErrorSentence}'s context. */
export interface StreamErrorContext {
  /** The broker's AMQP URL. */
  url: string;
  /** The stream the failed call was about. */
  stream?: string;
  /** The arguments the program declares the stream with. */
  arguments?: Record<string, unknown>;
  /**
   * Where the broker tells clients to connect for a stream's leader or
   * replica (`stream.advertised_host` and `stream.advertised_port`).
   */
  advertised?: { host: string; port: number };
}

/** Socket error codes of a connection that never opened, and what they mean. */
const SOCKET_CAUSES: Record<string, string> = {
  ENOTFOUND: "host not found",
  EAI_AGAIN: "host not found",
  ECONNREFUSED: "connection refused",
  ETIMEDOUT: "no answer in time",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
};

/**
 * The stream protocol's response code of a failed call of the stream
 * client: it throws an Error whose message ends "with code 17", or rejects
 * with the bare number.
 */
export function responseCode(error: unknown): number | undefined {
  if (typeof error === "number") return error;
  const match = String((error as Error)?.message ?? "").match(/with code (\d+)/);
  return match ? Number(match[1]) : undefined;
}

/**
 * True for the error of `queryOffset` when nothing is stored under the
 * reference yet: a consumer's first run.
 *
 * @example
 * ```ts
 * try {
 *   offset = await client.queryOffset({ reference, stream });
 * } catch (error) {
 *   if (!noStoredOffset(error)) throw error;
 * }
 * ```
 */
export function noStoredOffset(error: unknown): boolean {
  return responseCode(error) === RESPONSE_CODES.noOffset;
}

/**
 * One sentence for an error of a stream client call (create a stream,
 * declare a publisher or a consumer, ...), or undefined when there is
 * nothing better to say than the error itself.
 *
 * @example
 * ```ts
 * streamErrorSentence(new Error("Create Stream command returned error with code 17"), {
 *   url: "amqp://localhost",
 *   stream: "hello-nodejs-stream",
 *   arguments: { "max-length-bytes": 5e9 },
 * });
 * // 'The stream "hello-nodejs-stream" already exists with other arguments than ...'
 * ```
 */
export function streamErrorSentence(
  error: unknown,
  context: StreamErrorContext,
): string | undefined {
  const where = `"${maskUrl(context.url)}"`;
  const stream = `"${context.stream}"`;
  const { vhost } = urlParts(context.url);
  const inVhost = vhost === "/" ? "" : ` -p ${vhost}`;
  const socketCode = (error as { code?: unknown })?.code;
  if (typeof socketCode === "string" && socketCode in SOCKET_CAUSES && context.advertised) {
    const { host, port } = context.advertised;
    return `The broker at ${where} tells stream clients to connect to "${
      hostPort(host, port)
    }", which this machine cannot reach (${
      SOCKET_CAUSES[socketCode]
    }); set stream.advertised_host (and stream.advertised_port) in its configuration to a name and port clients can reach, as compose.yaml does with localhost`;
  }
  switch (responseCode(error)) {
    case RESPONSE_CODES.preconditionFailed: {
      const args = Object.entries(context.arguments ?? {}).map(([k, v]) => `${k} ${v}`);
      const declared = args.length ? `with ${args.join(", ")}` : "without arguments";
      return `The stream ${stream} already exists with other arguments than this program declares (${declared}); delete it with "rabbitmqctl delete_queue${inVhost} ${context.stream}" and run again, or use another name with --stream`;
    }
    case RESPONSE_CODES.streamDoesNotExist:
      return `The stream ${stream} does not exist in vhost "${vhost}" at ${where} (deleted while in use?); run again to declare it`;
    case RESPONSE_CODES.streamNotAvailable:
      return `The stream ${stream} at ${where} is not available right now (its leader is being elected or the node is starting); run again in a few seconds`;
    case RESPONSE_CODES.accessRefused:
      return `The broker at ${where} refused user "${
        urlParts(context.url).user
      }" access to the stream ${stream}: no configure, write or read permission on it in vhost "${vhost}"`;
    default:
      return undefined;
  }
}

/** The ports of the broker's stream listeners (management API); undefined if it does not answer. */
async function streamListeners(url: string): Promise<number[] | undefined> {
  try {
    const { listeners } = await managementRequest(url, "/api/overview?columns=listeners") as {
      listeners: { protocol: string; port: number }[];
    };
    return [
      ...new Set(listeners.filter((l) => l.protocol.startsWith("stream")).map((l) => l.port)),
    ];
  } catch {
    return undefined;
  }
}

/**
 * Connects to the stream port of the first broker of `urls` (as `cli()`
 * gives them) that answers over AMQP. That broker must be RabbitMQ 3.11 or
 * later; then `open` is called with the stream client's settings
 * ({@link streamOptions}), and the client it returns is returned.
 *
 * Failures are thrown for the program's handler: an AMQP failure (a wrong
 * password, a missing vhost, no broker) as amqplib gives it, anything else
 * as a {@link ProgramError} whose message is one sentence with the fix.
 * From then on the errors of the client's `createStream`, `deleteStream`,
 * `declarePublisher`, `declareConsumer` and `queryOffset` become such
 * sentences too (but "no offset stored yet", see {@link noStoredOffset}),
 * and a connection that drops ends the program with one.
 *
 * @example
 * ```ts
 * const client = await connectStream(urls, 5552, (options) => rabbit.connect(options));
 * ```
 */
export async function connectStream(
  urls: string[],
  port: number,
  open: (options: ClientParams) => Promise<Client>,
): Promise<Client> {
  // The first broker of the list that answers over AMQP is the one whose stream port we use.
  const { value: version, index } = await tryInOrder(
    urls,
    (url) => brokerVersion(url, `${programName()} (version check)`),
  );
  const url = urls[index];
  if (!supportsStreams(version)) throw new ProgramError(tooOldSentence(url, version));

  let connected = false;
  const options = streamOptions(url, port);
  options.listeners = {
    // The connection to the port given (the client's "locator" connection) dropped.
    connection_closed: () => {
      if (!connected) return; // a failure to connect, reported below
      reportAndExit(
        new ProgramError(
          `Lost the stream connection to "${hostPort(options.hostname, port)}" (the broker at "${
            maskUrl(url)
          }"); check that it is still running`,
        ),
      );
    },
  };
  let client: Client;
  try {
    client = await open(options);
  } catch (error) {
    const code = (error as { code?: unknown })?.code;
    if (code === "ECONNREFUSED") {
      throw new ProgramError(
        noStreamPortSentence({ url, port, version, listeners: await streamListeners(url) }),
      );
    }
    const cause = typeof code === "string" && code in SOCKET_CAUSES
      ? SOCKET_CAUSES[code]
      : /^Timeout /.test((error as Error)?.message ?? "")
      ? SOCKET_CAUSES.ETIMEDOUT
      : String((error as Error)?.message ?? error);
    throw new ProgramError(
      `Cannot connect to the stream port "${hostPort(options.hostname, port)}" of the broker at "${
        maskUrl(url)
      }" (RabbitMQ ${version}): ${cause}; check the host, the port (--stream-port) and any firewall between`,
    );
  }
  connected = true;
  return withSentences(client, url);
}

/**
 * Replaces the client's calls that fail in ways worth a sentence by ones
 * that throw that sentence as a {@link ProgramError}.
 */
function withSentences(client: Client, url: string): Client {
  const advertised = () => {
    const { host, port } = client.getConnectionInfo();
    return { host, port };
  };
  const fail = (context: Omit<StreamErrorContext, "url" | "advertised">) => (error: unknown) => {
    const sentence = streamErrorSentence(error, { url, advertised: advertised(), ...context });
    throw sentence === undefined ? error : new ProgramError(sentence);
  };
  const { createStream, deleteStream, declarePublisher, declareConsumer, queryOffset } = client;
  client.createStream = (params) =>
    createStream.call(client, params).catch(
      fail({ stream: params.stream, arguments: { ...params.arguments } }),
    );
  client.deleteStream = (params) =>
    deleteStream.call(client, params).catch(fail({ stream: params.stream }));
  client.declarePublisher = (params, filter) =>
    declarePublisher.call(client, params, filter).catch(fail({ stream: params.stream }));
  client.declareConsumer = (params, handle, superStream) =>
    declareConsumer.call(client, params, handle, superStream).catch(
      fail({ stream: params.stream }),
    );
  client.queryOffset = (params) =>
    queryOffset.call(client, params).catch((error) => {
      if (noStoredOffset(error)) throw error; // the program's own case: nothing stored yet
      return fail({ stream: params.stream })(error);
    });
  return client;
}

/**
 * For a consumer's `connectionClosedListener`: the broker closed the
 * consumer, because the stream was deleted or the consumer's connection
 * dropped. Says so and ends the program with exit code 1.
 *
 * @example
 * ```ts
 * await client.declareConsumer({
 *   stream, offset, connectionClosedListener: () => streamClosed(stream),
 * }, handle);
 * ```
 */
export function streamClosed(stream: string): void {
  reportAndExit(
    new ProgramError(
      `The broker closed the consumer of the stream "${stream}": the stream was deleted, or the consumer's connection dropped; run again to read it from where you want`,
    ),
  );
}

/**
 * Why the stream tutorials cannot run against the broker at `url` (too
 * old, no stream port, ...), as the sentence a stream program would print;
 * undefined when they can. For the demo and the tests.
 *
 * @example
 * ```ts
 * const why = await streamsUnavailable("amqp://localhost", 5552);
 * if (why) console.log(`Skipping the stream tutorials: ${why}`);
 * ```
 */
export async function streamsUnavailable(url: string, port: number): Promise<string | undefined> {
  const { connect } = await import("rabbitmq-stream-js-client");
  try {
    const client = await connectStream([url], port, (options) => {
      // Only this check's connection: a drop after it is nothing to report.
      delete options.listeners;
      return connect({ ...options, connectionName: "stream check" });
    });
    await client.close();
    return undefined;
  } catch (error) {
    if (error instanceof ProgramError) return error.message;
    throw error;
  }
}

/** `host:port`, with brackets around an IPv6 address. */
function hostPort(host: string, port: number): string {
  return `${host.includes(":") ? `[${host}]` : host}:${port}`;
}

/** The running program's path below scripts/ (else its file name), without `.ts`: "stream/send". */
function programName(): string {
  const path = Deno.mainModule.replace(/\.ts$/, "");
  return path.match(/\/scripts\/(.+)$/)?.[1] ?? path.split("/").pop()!;
}
