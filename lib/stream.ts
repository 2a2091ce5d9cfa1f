/**
 * RabbitMQ Streams through `rabbitmq-stream-js-client`: where the stream
 * port is, and connecting to it from the AMQP URL the other programs use
 * (host, user, password and vhost), with one sentence and its fix for each
 * way that fails (worded in `lib/errors.ts`): a broker older than 3.11, the
 * stream plugin off, the port closed, an advertised host this machine
 * cannot reach, a stream that exists with other arguments.
 *
 * The stream client speaks the stream protocol (port 5552), not AMQP. It
 * needs RabbitMQ 3.11 or later: an older broker closes the connection right
 * after the login, at a command it does not know, which the client reports
 * as "Unknown response 22" from inside its socket handler, where no caller
 * can catch it. So {@link connectStream} first asks the broker its version
 * over AMQP, which also gives the usual sentences for a wrong password or a
 * missing vhost; a program that shows a later feature (single active
 * consumer, super streams, filtering) names it, and an older broker gets
 * the sentence naming the version that brought it.
 *
 * {@link StreamClient} has the client's calls the stream tutorials make,
 * each failing in one sentence, and what they share beyond the client:
 * waiting for the confirms of all its publishers ({@link StreamClient.confirmed}),
 * where a consumer resumes ({@link StreamClient.offsetAfterStored}), a
 * consumer's handler that gets its consumer, and a credit policy that says
 * when each chunk is done ({@link eachChunk}).
 *
 * @module
 */
import { type Client, type ClientParams, type Consumer, Offset } from "rabbitmq-stream-js-client";
import { ConsumerCreditPolicy } from "rabbitmq-stream-js-client/dist/consumer_credit_policy.js";
import { programName } from "./_util.ts";
import { brokerVersion } from "./broker_version.ts";
import type { OptionSpec } from "./cli.ts";
import { type Brokers, tryInOrder } from "./connect.ts";
import {
  describeError,
  lostStreamSentence,
  noStoredOffset,
  refusedMessageSentence,
  type StreamCall,
  streamClosedSentence,
  streamPortSentence,
  superStreamPartitionsSentence,
  tooOldSentence,
} from "./errors.ts";
import { brokerOverview, OtherBrokerError } from "./management.ts";
import { ProgramError } from "./program_error.ts";
import { tlsSocketOptions } from "./tls.ts";
import { maskUrl, urlParts } from "./url.ts";

/** The stream port of RabbitMQ's stream plugin. */
const DEFAULT_STREAM_PORT = 5552;

/** The stream port with TLS, for an `amqps://` URL. */
const DEFAULT_STREAM_TLS_PORT = 5551;

/** The oldest RabbitMQ the stream client works with. */
const MINIMUM_VERSION = "3.11";

/** A feature of RabbitMQ Streams a program shows, and the version that brought it. */
export interface StreamFeature {
  /** What the sentence for an older broker calls it, e.g. "stream filtering". */
  name: string;
  /** The first RabbitMQ version that has it, e.g. "3.13". */
  since: string;
}

/** Single active consumer on a stream (RabbitMQ 3.11). */
export const SINGLE_ACTIVE_CONSUMER: StreamFeature = {
  name: "single active consumer on streams",
  since: "3.11",
};

/**
 * Super streams, partitioned streams, declared by the program: RabbitMQ 3.11
 * brought super streams, 3.13 their declaration through the stream protocol
 * (before, only `rabbitmq-streams add_super_stream` could).
 */
export const SUPER_STREAMS: StreamFeature = {
  name: "declaring a super stream from a client",
  since: "3.13",
};

/** Filtering on the broker with a filter value per message (RabbitMQ 3.13). */
export const FILTERING: StreamFeature = { name: "stream filtering", since: "3.13" };

/** The `--stream-port` flag every stream program takes, for its `cli()` spec. */
export const STREAM_PORT_OPTION: OptionSpec = {
  description:
    `the broker's stream port (default: $RABBITMQ_STREAM_PORT, else the one its management API lists, else ${DEFAULT_STREAM_PORT}, or ${DEFAULT_STREAM_TLS_PORT} for amqps://)`,
};

/**
 * The stream port given: `--stream-port`, else `RABBITMQ_STREAM_PORT`; else
 * undefined, for {@link connectStream} to take the broker's own. Throws a
 * usage {@link ProgramError} for a value that is not a port.
 *
 * @example
 * ```ts
 * const port = givenStreamPort(values["stream-port"]); // undefined: the broker's own
 * const client = await connectStream(brokers, port, (options) => rabbit.connect(options));
 * ```
 */
export function givenStreamPort(
  flag: string | undefined,
  env: (name: string) => string | undefined = (name) => Deno.env.get(name),
): number | undefined {
  const value = flag ?? (env("RABBITMQ_STREAM_PORT") || undefined);
  if (value === undefined) return undefined;
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
 * The stream port given ({@link givenStreamPort}), else RabbitMQ's default,
 * 5552 (5551 for an `amqps://` URL), without asking the broker: for a
 * client that does not go through {@link connectStream}.
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
  return givenStreamPort(flag, env) ?? defaultStreamPort(url);
}

/** RabbitMQ's default stream port: 5552, 5551 with TLS. */
function defaultStreamPort(url: string): number {
  return new URL(url).protocol === "amqps:" ? DEFAULT_STREAM_TLS_PORT : DEFAULT_STREAM_PORT;
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
 * True when RabbitMQ `version` (e.g. "3.10.8", "4.3.6") is at least 3.11,
 * the oldest the stream client works with; a version it cannot read counts
 * as new enough.
 */
export function supportsStreams(version: string): boolean {
  return versionAtLeast(version, MINIMUM_VERSION);
}

/**
 * True when RabbitMQ `version` is at least `needed` (major.minor, e.g.
 * "3.13"); a version it cannot read counts as new enough.
 *
 * @example
 * ```ts
 * versionAtLeast("3.12.14", "3.13"); // false
 * ```
 */
export function versionAtLeast(version: string, needed: string): boolean {
  const match = version.match(/^(\d+)\.(\d+)/);
  if (!match) return true;
  const [major, minor] = [Number(match[1]), Number(match[2])];
  const [oldestMajor, oldestMinor] = needed.split(".").map(Number);
  return major > oldestMajor || (major === oldestMajor && minor >= oldestMinor);
}

/**
 * The ports of the stream listeners of the broker at `url` (TLS ones for
 * `amqps`), from its management API, checked to be that broker's, and
 * whether the URL reaches the broker's own AMQP port (no mapped port or
 * proxy between); undefined when the API does not answer. An API of
 * another broker is thrown ({@link OtherBrokerError}): its ports would be
 * another broker's.
 */
async function streamListeners(
  url: string,
): Promise<{ ports: number[]; direct: boolean } | undefined> {
  try {
    const { listeners, direct } = await brokerOverview(url);
    const protocol = new URL(url).protocol === "amqps:" ? "stream/ssl" : "stream";
    const ports = listeners.filter((l) => l.protocol === protocol).map((l) => l.port);
    return { ports: [...new Set(ports)], direct };
  } catch (error) {
    if (error instanceof OtherBrokerError) throw error;
    return undefined;
  }
}

/**
 * Connects to the stream port of the first of the brokers (as `cli()`
 * gives them) that answers over AMQP, which becomes `brokers.current`. That
 * broker must be RabbitMQ 3.11 or later, and have the `feature` the program
 * shows if it names one; its stream port is `port` when given
 * ({@link givenStreamPort}), else the one its management API lists, else
 * 5552 (5551 with TLS); a port given that the API does not list is refused
 * before connecting (it may be another broker's). Then `open` is called
 * with the stream client's settings ({@link streamOptions}), and the client
 * it returns is returned, in a {@link StreamClient}.
 *
 * Failures are thrown for the program's handler: an AMQP failure (a wrong
 * password, a missing vhost, no broker) as amqplib gives it, anything else
 * as a {@link ProgramError} whose message is one sentence with the fix. A
 * connection that drops later goes to the program's handler with
 * `reportError()`, in the same words.
 *
 * @example
 * ```ts
 * const client = await connectStream(brokers, 5552, (options) => rabbit.connect(options));
 * ```
 */
export async function connectStream(
  brokers: Brokers,
  given: number | undefined,
  open: (options: ClientParams) => Promise<Client>,
  feature?: StreamFeature,
): Promise<StreamClient> {
  // The first broker of the list that answers over AMQP is the one whose stream port we use.
  const { value: version, url } = await tryInOrder(
    brokers.urls,
    (url) => brokerVersion(brokers.current = url, `${programName()} (version check)`),
  );
  // Each feature came with 3.11 or later: a broker too old for the client is too old for it.
  if (!versionAtLeast(version, feature?.since ?? MINIMUM_VERSION)) {
    throw new ProgramError(
      tooOldSentence(url, version, feature?.since ?? MINIMUM_VERSION, feature?.name),
    );
  }
  const listeners = await streamListeners(url);
  const port = given ?? listeners?.ports[0] ?? defaultStreamPort(url);
  // A port of the same host that this broker does not listen on may be another broker's: the
  // stream client would talk to that one (or fail with "Unknown response 22" on an old one).
  // Through a mapped port or a proxy (not direct), the API's ports are not the ones to use.
  if (listeners?.direct && listeners.ports.length > 0 && !listeners.ports.includes(port)) {
    const error = await answers(urlParts(url).host, port);
    throw new ProgramError(
      error
        ? streamPortSentence(error, { url, port, version, listeners: listeners.ports })
        : otherStreamPortSentence(url, version, port, listeners.ports),
    );
  }

  let connected = false;
  const confirms = new Confirms();
  const options = streamOptions(url, port);
  options.listeners = {
    // The connection to the port given (the client's "locator" connection) dropped. The client
    // calls this from a socket's "close" listener, where Deno swallows a throw.
    connection_closed: () => {
      if (connected) reportError(new ProgramError(lostStreamSentence(url, port)));
      // else: a failure to connect, thrown below
    },
    // Every connection the client opens (one per publisher) reports its confirms here too.
    publish_confirm: (confirm) => confirms.add(confirm.publishingIds.length),
    publish_error: (error) => confirms.fail(error.publishingError.code),
  };
  let client: Client;
  try {
    client = await open(options);
  } catch (error) {
    throw new ProgramError(
      streamPortSentence(error, { url, port, version, listeners: listeners?.ports }),
    );
  }
  connected = true;
  return new StreamClient(client, url, confirms);
}

/** How many messages the broker has confirmed, in all, and who waits for how many. */
class Confirms {
  #count = 0;
  #refused?: ProgramError;
  #waiting: { count: number; done: PromiseWithResolvers<void> }[] = [];

  /** `count` more messages confirmed. */
  add(count: number): void {
    this.#count += count;
    this.#settle();
  }

  /** A message refused, with the stream protocol's response code. */
  fail(code: number): void {
    this.#refused ??= new ProgramError(refusedMessageSentence(code));
    this.#settle();
  }

  /** Resolves once `count` messages are confirmed in all; rejects once one is refused. */
  until(count: number): Promise<void> {
    const done = Promise.withResolvers<void>();
    this.#waiting.push({ count, done });
    this.#settle();
    return done.promise;
  }

  #settle(): void {
    this.#waiting = this.#waiting.filter(({ count, done }) => {
      if (this.#refused) done.reject(this.#refused);
      else if (this.#count >= count) done.resolve();
      else return true;
      return false;
    });
  }
}

/** Whether something answers at `host:port`: undefined if so, else why not (the socket's error). */
async function answers(host: string, port: number): Promise<unknown> {
  try {
    (await Deno.connect({ hostname: host, port })).close();
    return undefined;
  } catch (error) {
    return error;
  }
}

/**
 * The sentence for a stream port given (`--stream-port`, `RABBITMQ_STREAM_PORT`)
 * where something answers, while the broker listens for streams on `ports`.
 */
function otherStreamPortSentence(
  url: string,
  version: string,
  port: number,
  ports: number[],
): string {
  return `The broker at "${maskUrl(url)}" (RabbitMQ ${version}) listens for streams on port ${
    ports.join(" and ")
  }, not ${port}, where something else answers (another broker?); pass --stream-port ${
    ports[0]
  } (or set RABBITMQ_STREAM_PORT=${ports[0]}), or leave both out to use the broker's own`;
}

type CreateStreamParams = Parameters<Client["createStream"]>[0];
type PublisherParams = Parameters<Client["declarePublisher"]>[0];
type FilterValue = Parameters<Client["declarePublisher"]>[1];
type ConsumerParams = Parameters<Client["declareConsumer"]>[0];
/** A message a consumer receives: `content`, `applicationProperties`, `offset`... */
export type StreamMessage = Parameters<Parameters<Client["declareConsumer"]>[1]>[0];
type QueryOffsetParams = Parameters<Client["queryOffset"]>[0];
type CreateSuperStreamParams = Parameters<Client["createSuperStream"]>[0];
type SuperStreamPublisherParams = Parameters<Client["declareSuperStreamPublisher"]>[0];
type RoutingKey = Parameters<Client["declareSuperStreamPublisher"]>[1];
type SuperStreamOf = Parameters<Client["declareConsumer"]>[2];

/**
 * A consumer's message handler, as the client takes it, with the consumer
 * too (to store its offset): the client calls it for each message, in order.
 */
export type ConsumeHandle = (message: StreamMessage, consumer: Consumer) => Promise<void> | void;

/**
 * The stream client's calls the tutorials make, each as the client has it,
 * whose failures are thrown as a {@link ProgramError} with one sentence
 * naming the stream and the fix (`describeError`), but `queryOffset`'s "no
 * offset stored yet" (`noStoredOffset`), the program's own case; and
 * {@link confirmed}, {@link offsetAfterStored}. The client itself is
 * `client`, for anything else.
 */
export class StreamClient {
  readonly #confirms: Confirms;

  /**
   * @param client the stream client, connected
   * @param url the AMQP URL of its broker, for the sentences
   * @param confirms the confirms of its publishers (connectStream feeds them)
   */
  constructor(readonly client: Client, readonly url: string, confirms = new Confirms()) {
    this.#confirms = confirms;
  }

  /** The client's `createStream`; the sentence names the arguments declared. */
  createStream(params: CreateStreamParams): Promise<true> {
    const call = { stream: params.stream, arguments: { ...params.arguments } };
    return this.client.createStream(params).catch(this.#fail(call));
  }

  /** The client's `declarePublisher`, with a publisher reference and a filter value if given. */
  declarePublisher(params: PublisherParams, filterValue?: FilterValue) {
    return this.client.declarePublisher(params, filterValue).catch(
      this.#fail({ stream: params.stream }),
    );
  }

  /**
   * The client's `declareConsumer`, whose handler gets the consumer too
   * (the first messages can arrive before `declareConsumer` returns: the
   * handler waits for it). With `superStream`, the stream is a partition of
   * that super stream, which the broker needs to know to spread the
   * partitions among the single active consumers of one name (the client's
   * own `declareSuperStreamConsumer` passes it so, but takes no
   * `consumerUpdateListener`).
   */
  async declareConsumer(
    params: ConsumerParams,
    handle: ConsumeHandle,
    superStream?: string,
  ): Promise<Consumer> {
    const declared = Promise.withResolvers<Consumer>();
    const consumer = await this.client.declareConsumer(
      params,
      async (message) => await handle(message, await declared.promise),
      superStream === undefined ? undefined : { superStream } as SuperStreamOf,
    ).catch(this.#fail({ stream: params.stream }));
    declared.resolve(consumer);
    return consumer;
  }

  /**
   * The client's `createSuperStream`: its partitions are the streams
   * `NAME-0`, `NAME-1`... (3 by default). Creating it again does nothing,
   * whatever partitions it has, so this then checks that it has
   * `partitions`, and throws the sentence that says so if not.
   */
  async createSuperStream(
    params: CreateSuperStreamParams,
    bindingKeys?: string[],
    partitions = 3,
  ): Promise<true> {
    const call = {
      stream: params.streamName,
      superStream: true,
      arguments: { ...params.arguments },
    };
    await this.client.createSuperStream(params, bindingKeys, partitions).catch(this.#fail(call));
    const names = await this.queryPartitions({ superStream: params.streamName });
    const expected = bindingKeys?.length ?? partitions;
    if (names.length !== expected) {
      throw new ProgramError(
        superStreamPartitionsSentence(this.url, params.streamName, names, expected),
      );
    }
    return true;
  }

  /** The client's `queryPartitions`: the names of the super stream's partitions. */
  queryPartitions(params: { superStream: string }): Promise<string[]> {
    return this.client.queryPartitions(params).catch(
      this.#fail({ stream: params.superStream, superStream: true }),
    );
  }

  /** The client's `declareSuperStreamPublisher`. */
  declareSuperStreamPublisher(params: SuperStreamPublisherParams, routingKey: RoutingKey) {
    return this.client.declareSuperStreamPublisher(params, routingKey).catch(
      this.#fail({ stream: params.superStream, superStream: true }),
    );
  }

  /**
   * Resolves once the broker has confirmed `count` messages in all, of all
   * the publishers of this client (a super stream publisher has no confirm
   * events of its own); rejects with one sentence when it refuses one.
   */
  confirmed(count: number): Promise<void> {
    return this.#confirms.until(count);
  }

  /**
   * The offset right after the one stored under `reference` on `stream`,
   * else the first: where a consumer that tracks its offset there resumes.
   * For a `consumerUpdateListener`, whose throw the client swallows (it
   * then reads from the offset the consumer was declared with): a failure
   * other than "nothing stored yet" also goes to the program's handler,
   * with `reportError()`.
   */
  async offsetAfterStored(reference: string, stream: string): Promise<Offset> {
    try {
      return Offset.offset(await this.queryOffset({ reference, stream }) + 1n);
    } catch (error) {
      if (noStoredOffset(error)) return Offset.first();
      reportError(error);
      throw error;
    }
  }

  /** The client's `queryOffset`: "no offset stored yet" is thrown as the client gives it. */
  queryOffset(params: QueryOffsetParams): Promise<bigint> {
    return this.client.queryOffset(params).catch((error) => {
      if (noStoredOffset(error)) throw error;
      return this.#fail({ stream: params.stream })(error);
    });
  }

  /** Closes the client and its connections. */
  close(): Promise<void> {
    return this.client.close();
  }

  /** Throws the sentence for an error of a call about `call.stream`. */
  #fail(call: StreamCall) {
    return (error: unknown): never => {
      // Where the broker sent the client for the stream's leader or replica.
      const { host, port } = this.client.getConnectionInfo();
      const advertised = { host, port };
      throw new ProgramError(describeError(error, this.url, { stream: { ...call, advertised } }));
    };
  }
}

/**
 * For a consumer's `connectionClosedListener`: the broker closed the
 * consumer, because the stream was deleted or the consumer's connection
 * dropped. Hands the sentence that says so to the program's handler
 * (`reportError()`: the client calls this from a socket's "close" listener,
 * where Deno swallows a throw), which prints it and exits 1.
 *
 * @example
 * ```ts
 * await client.declareConsumer({
 *   stream, offset, connectionClosedListener: () => streamClosed(stream),
 * }, handle);
 * ```
 */
export function streamClosed(stream: string): void {
  reportError(new ProgramError(streamClosedSentence(stream)));
}

/**
 * A consumer's credit policy that works as the client's default (one chunk
 * at a time: 1 credit to start, 1 more once a chunk's messages are handled)
 * and calls `chunkDone` at that point. A chunk is the unit the broker sends
 * a consumer, and what its filter keeps or skips.
 *
 * @example
 * ```ts
 * await client.declareConsumer({ stream, offset, creditPolicy: eachChunk(() => console.log("chunk")) }, handle);
 * ```
 */
export function eachChunk(chunkDone: () => void): ConsumerCreditPolicy {
  return new ChunkCredits(chunkDone);
}

class ChunkCredits extends ConsumerCreditPolicy {
  constructor(private readonly chunkDone: () => void) {
    super(1);
  }

  override async onChunkCompleted(requestCredits: (howMany: number) => Promise<void>) {
    this.chunkDone();
    await this.requestCredits(requestCredits, 1);
  }
}
