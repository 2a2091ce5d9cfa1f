/**
 * What a vhost holds, as the official tutorials draw it: producers,
 * exchanges with their type, bindings with their keys, queues with their
 * flags and message counts, consumers with their prefetch, and the rates the
 * management API gives, built from the API's answers (no I/O here).
 *
 * With the management plugin's default `rates_mode` (`basic`) the API does
 * not say which exchange a channel publishes to, nor how many messages went
 * through each binding: the rate on an exchange's arrow into a queue is the
 * queue's own incoming rate when that exchange is its only source, and on
 * the producer's arrow the exchange's incoming rate. With `detailed`, the
 * exchanges' `incoming` lists name the connections that publish to each.
 *
 * @module
 */

/** A consumer of a queue, as the tutorials draw C1, C2. */
export interface ConsumerNode {
  tag: string;
  /** The connection's name as the program gave it (our programs: their own name), else its address. */
  connection: string;
  /** Unacked messages the broker may send it at once; 0 means no limit. */
  prefetch: number;
  /** False for automatic acknowledgement (tutorial 1, 3). */
  ackRequired: boolean;
  /** Messages per second delivered to its channel. */
  rate: number;
}

/** A binding of a queue to an exchange: the keys of all bindings between the two. */
export interface BindingEdge {
  exchange: string;
  keys: string[];
}

/** A queue, with what the tutorials' diagrams and the management UI show of it. */
export interface QueueNode {
  name: string;
  /** classic, quorum or stream. */
  type: string;
  durable: boolean;
  exclusive: boolean;
  autoDelete: boolean;
  /** Named by the broker (`amq.gen-...`): the tutorials draw it with its name cut short. */
  serverNamed: boolean;
  ready: number;
  unacked: number;
  /** Messages per second routed into the queue, and delivered from it. */
  inRate: number;
  outRate: number;
  /** Its bindings to exchanges other than the default one. */
  bindings: BindingEdge[];
  /**
   * Messages reached it through the default exchange (a producer sends to
   * the queue by name, tutorials 1, 2): drawn P → queue, without an X.
   */
  direct: boolean;
  consumers: ConsumerNode[];
  /**
   * Consumers the API counts on the queue but does not list to this user:
   * other users' connections, which a user with the "management" tag alone
   * may not see (the "monitoring" tag shows them).
   */
  otherConsumers: number;
}

/** An exchange other than the default one. */
export interface ExchangeNode {
  name: string;
  /** direct, fanout, topic, headers, ... */
  type: string;
  durable: boolean;
  autoDelete: boolean;
  /** Messages per second published to it. */
  inRate: number;
  /** Some producer has published to it since it was declared. */
  published: boolean;
  /** The connections publishing to it (only with rates_mode `detailed`), by their names. */
  publishers: string[];
}

/** A vhost as the picture draws it. */
export interface Topology {
  /** e.g. "RabbitMQ 3.10.8". */
  broker: string;
  /** The management API's address (never a password). */
  managementUrl: string;
  vhost: string;
  /** When the API was read, ISO 8601. */
  time: string;
  /** The broker's collect_statistics_interval: how often its numbers change. */
  statisticsIntervalSeconds: number;
  /** The management plugin's rates_mode: basic (the default), detailed or none. */
  ratesMode: string;
  exchanges: ExchangeNode[];
  queues: QueueNode[];
  /** The connections publishing now (a channel with a publish rate), by their names. */
  producers: string[];
  /** The filter applied, and how many queues and exchanges it left out. */
  filter: string;
  hidden: number;
}

/** The management API's answers the model is built from (lists, as /api/... returns them). */
export interface ApiAnswers {
  overview: { product_name?: string; product_version?: string; rates_mode?: string };
  // deno-lint-ignore no-explicit-any
  queues: any[];
  // deno-lint-ignore no-explicit-any
  exchanges: any[];
  // deno-lint-ignore no-explicit-any
  bindings: any[];
  // deno-lint-ignore no-explicit-any
  consumers: any[];
  // deno-lint-ignore no-explicit-any
  channels: any[];
  // deno-lint-ignore no-explicit-any
  connections: any[];
  /** The user's tags (`/api/whoami`): without "monitoring" or "administrator" it sees only its own connections. */
  tags?: string[] | string;
  /** The exchanges' `incoming` lists by exchange name (rates_mode detailed only). */
  // deno-lint-ignore no-explicit-any
  incoming?: Record<string, any[]>;
}

/** What a topology is read for: the page's header and the filter. */
export interface TopologyContext {
  managementUrl: string;
  vhost: string;
  statisticsIntervalSeconds: number;
  time?: string;
  /** Only what matches this (part of a name, any case), and what it is connected to. */
  filter?: string;
}

/** A rate to one decimal, as the management UI shows it. */
const rate = (details: { rate?: number } | undefined) => Math.round((details?.rate ?? 0) * 10) / 10;

/** A server-named queue's prefix (`amq.gen-`), as RabbitMQ names them. */
export const SERVER_NAMED_PREFIX = "amq.gen-";

/**
 * The exchanges the picture leaves out unless something is bound to them or
 * was published to them: the default one (drawn as the tutorials draw it:
 * not at all) and the `amq.*` ones every vhost has.
 */
const builtIn = (name: string) => name === "" || name.startsWith("amq.");

/**
 * Builds the picture's model from the API's answers: the exchanges in use,
 * every queue with its bindings and consumers, then the filter.
 *
 * @example
 * ```ts
 * const topology = topologyFrom(answers, { managementUrl, vhost: "/", statisticsIntervalSeconds: 5 });
 * ```
 */
export function topologyFrom(api: ApiAnswers, context: TopologyContext): Topology {
  const connectionNames = new Map<string, string>(
    api.connections.map((c) => [c.name, c.user_provided_name || c.name]),
  );
  const nameOf = (connection: string) => connectionNames.get(connection) ?? connection;
  const channelRates = new Map<string, number>(
    api.channels.map((c) => [c.name, rate(c.message_stats?.deliver_get_details)]),
  );
  const producers = api.channels
    .filter((c) => rate(c.message_stats?.publish_details) > 0)
    .map((c) => nameOf(c.connection_details?.name ?? ""));

  const tags = [api.tags ?? []].flat().join(",").split(",");
  const seesAll = api.tags === undefined ||
    tags.some((t) => /^(administrator|monitoring)$/.test(t));
  const queues: QueueNode[] = api.queues.map((q) => {
    const keysBy = new Map<string, string[]>();
    for (const b of api.bindings) {
      if (b.destination_type !== "queue" || b.destination !== q.name || b.source === "") continue;
      keysBy.set(b.source, [...keysBy.get(b.source) ?? [], b.routing_key]);
    }
    const bindings = [...keysBy].map(([exchange, keys]) => ({ exchange, keys: keys.toSorted() }))
      .toSorted((a, b) => a.exchange.localeCompare(b.exchange));
    const consumers = api.consumers
      .filter((c) => c.queue?.name === q.name)
      .map((c) => ({
        tag: c.consumer_tag,
        connection: nameOf(c.channel_details?.connection_name ?? ""),
        prefetch: c.prefetch_count ?? 0,
        ackRequired: !!c.ack_required,
        rate: channelRates.get(c.channel_details?.name) ?? 0,
      }))
      .toSorted((a, b) => a.tag.localeCompare(b.tag));
    return {
      name: q.name,
      type: q.type ?? "classic",
      durable: !!q.durable,
      exclusive: !!q.exclusive,
      autoDelete: !!q.auto_delete,
      serverNamed: q.name.startsWith(SERVER_NAMED_PREFIX),
      ready: q.messages_ready ?? 0,
      unacked: q.messages_unacknowledged ?? 0,
      inRate: rate(q.message_stats?.publish_details),
      outRate: rate(q.message_stats?.deliver_get_details),
      bindings,
      direct: bindings.length === 0 && (q.message_stats?.publish ?? 0) > 0,
      consumers,
      // The queue's count lags the list by the statistics interval: only a user who cannot see
      // every connection is told of others.
      otherConsumers: seesAll ? 0 : Math.max(0, (q.consumers ?? 0) - consumers.length),
    };
  }).toSorted((a, b) => a.name.localeCompare(b.name));

  const bound = new Set(queues.flatMap((q) => q.bindings.map((b) => b.exchange)));
  const exchanges: ExchangeNode[] = api.exchanges
    .filter((e) => e.name !== "")
    .map((e) => ({
      name: e.name,
      type: e.type,
      durable: !!e.durable,
      autoDelete: !!e.auto_delete,
      inRate: rate(e.message_stats?.publish_in_details),
      published: (e.message_stats?.publish_in ?? 0) > 0,
      publishers: [
        ...new Set(
          (api.incoming?.[e.name] ?? [])
            .filter((i) => rate(i.stats?.publish_details) > 0)
            .map((i) => nameOf(i.channel_details?.connection_name ?? "")),
        ),
      ].toSorted(),
    }))
    .filter((e) => bound.has(e.name) || (!builtIn(e.name) && e.published))
    .toSorted((a, b) => a.name.localeCompare(b.name));

  const shown = applyFilter(exchanges, queues, context.filter ?? "");
  return {
    broker: `${api.overview.product_name ?? "RabbitMQ"} ${api.overview.product_version ?? ""}`
      .trim(),
    managementUrl: context.managementUrl,
    vhost: context.vhost,
    time: context.time ?? new Date().toISOString(),
    statisticsIntervalSeconds: context.statisticsIntervalSeconds,
    ratesMode: api.overview.rates_mode ?? "basic",
    ...shown,
    producers: [...new Set(producers)].toSorted(),
    filter: context.filter ?? "",
    hidden: exchanges.length + queues.length - shown.exchanges.length - shown.queues.length,
  };
}

/**
 * What matches `filter` (part of a queue's, an exchange's or a consumer's
 * connection's name, any case), with what it is connected to: a matching
 * exchange keeps its queues, a matching queue its exchanges.
 */
function applyFilter(
  exchanges: ExchangeNode[],
  queues: QueueNode[],
  filter: string,
): { exchanges: ExchangeNode[]; queues: QueueNode[] } {
  const wanted = filter.trim().toLowerCase();
  if (!wanted) return { exchanges, queues };
  const matches = (name: string) => name.toLowerCase().includes(wanted);
  const matchedExchanges = new Set(exchanges.filter((e) => matches(e.name)).map((e) => e.name));
  const keptQueues = queues.filter((q) =>
    matches(q.name) || q.bindings.some((b) => matchedExchanges.has(b.exchange)) ||
    q.consumers.some((c) => matches(c.connection))
  );
  const keptExchanges = new Set([
    ...matchedExchanges,
    ...keptQueues.flatMap((q) => q.bindings.map((b) => b.exchange)),
  ]);
  return { exchanges: exchanges.filter((e) => keptExchanges.has(e.name)), queues: keptQueues };
}

/**
 * The rate on an exchange's arrow into a queue: the queue's incoming rate
 * when that exchange is its only source (the API does not give a binding's
 * own rate), else undefined.
 */
export function bindingRate(queue: QueueNode): number | undefined {
  return queue.bindings.length === 1 && !queue.direct ? queue.inRate : undefined;
}

/** A queue's name as the tutorials print a server-named one: `amq.gen-JzTY20…`. */
export function shortName(name: string, width = 22): string {
  if (name.startsWith(SERVER_NAMED_PREFIX)) return `${name.slice(0, 14)}…`;
  return name.length <= width ? name : `${name.slice(0, width - 1)}…`;
}

/** A queue's flags in words: "classic, durable", "classic, exclusive, auto-delete". */
export function queueFlags(queue: QueueNode): string {
  return [
    queue.type,
    queue.durable ? "durable" : "transient",
    ...(queue.exclusive ? ["exclusive"] : []),
    ...(queue.autoDelete ? ["auto-delete"] : []),
    ...(queue.serverNamed ? ["server-named"] : []),
  ].join(", ");
}

/** A consumer's prefetch in words: "prefetch 1", "no prefetch limit", "auto-ack". */
export function consumerTerms(consumer: ConsumerNode): string {
  if (!consumer.ackRequired) return "auto-ack";
  return consumer.prefetch === 0
    ? "manual ack, no prefetch limit"
    : `prefetch ${consumer.prefetch}`;
}

/** A rate as the arrows show it: "2.4/s". */
export const perSecond = (value: number) => `${value.toFixed(1)}/s`;
