/**
 * Reading a vhost's topology from the management API of the broker at an
 * AMQP URL: GET requests only, the API checked to be that broker's
 * (`managementRequest`), and the answers turned into the picture's model.
 *
 * @module
 */
import { checkedManagementUrl, managementRequest } from "../management.ts";
import { ProgramError } from "../program_error.ts";
import { urlParts } from "../url.ts";
import { type ApiAnswers, type Topology, topologyFrom } from "./topology.ts";

/** Where and how to read: the broker, its API, the vhost. */
export interface TopologySource {
  /** The AMQP URL of the broker (its management API is checked to be this broker's). */
  url: string;
  /** The management API's address when given (`--management-url`), else derived. */
  base?: string;
  /** The HTTP client for an API on https with the URL's TLS files. */
  client?: Deno.HttpClient;
  vhost: string;
  /** The broker's collect_statistics_interval, in seconds. */
  statisticsIntervalSeconds: number;
}

// deno-lint-ignore no-explicit-any
type Json = any;

const QUEUE_COLUMNS = [
  "name",
  "type",
  "durable",
  "exclusive",
  "auto_delete",
  "consumers",
  "messages_ready",
  "messages_unacknowledged",
  "message_stats.publish",
  "message_stats.publish_details.rate",
  "message_stats.deliver_get_details.rate",
].join(",");
const EXCHANGE_COLUMNS = [
  "name",
  "type",
  "durable",
  "auto_delete",
  "message_stats.publish_in",
  "message_stats.publish_in_details.rate",
].join(",");

/**
 * Checks once that the vhost can be read: the API answers (one sentence for
 * a broker without the management plugin, a wrong password, a user without
 * the tag), and the vhost exists. Returns the API's base address.
 */
export async function checkSource(
  source: Pick<TopologySource, "url" | "base" | "client" | "vhost">,
): Promise<string> {
  const request = { base: source.base, client: source.client };
  const base = await checkedManagementUrl(source.url, request);
  // From the list of vhosts: a user with the "management" tag alone may read it.
  const vhosts = await managementRequest(source.url, "/api/vhosts?columns=name", request) as {
    name: string;
  }[];
  if (!vhosts.some((vhost) => vhost.name === source.vhost)) {
    const known = vhosts.map((vhost) => `"${vhost.name}"`).join(", ");
    throw new ProgramError(
      `The vhost "${source.vhost}" does not exist at "${base}" (or user "${
        urlParts(source.url).user
      }" may not see it); its vhosts: ${known}`,
    );
  }
  return base;
}

/**
 * Reads the vhost's queues, exchanges, bindings, consumers, channels and
 * connections (and, with rates_mode detailed, who publishes to each
 * exchange) and returns the picture's model, filtered by `filter`.
 */
export async function readTopology(
  source: TopologySource,
  managementUrl: string,
  filter = "",
): Promise<Topology> {
  const api = (path: string): Promise<Json> =>
    managementRequest(source.url, path, { base: source.base, client: source.client });
  const v = encodeURIComponent(source.vhost);
  const [overview, queues, exchanges, bindings, consumers, channels, connections, whoami] =
    await Promise.all([
      api("/api/overview?columns=product_name,product_version,rates_mode"),
      api(`/api/queues/${v}?columns=${QUEUE_COLUMNS}`),
      api(`/api/exchanges/${v}?columns=${EXCHANGE_COLUMNS}`),
      api(`/api/bindings/${v}`),
      api(`/api/consumers/${v}`),
      api(
        `/api/vhosts/${v}/channels?columns=name,connection_details.name,message_stats.publish_details.rate,message_stats.deliver_get_details.rate`,
      ),
      api(`/api/vhosts/${v}/connections?columns=name,user_provided_name`),
      api("/api/whoami"),
    ]);
  const answers: ApiAnswers = {
    overview,
    queues,
    exchanges,
    bindings,
    consumers,
    channels,
    connections,
    tags: whoami.tags,
  };
  if (overview.rates_mode === "detailed") {
    // Who publishes to which exchange: only the detailed mode keeps it.
    const named = exchanges.filter((e: Json) => e.name !== "" && e.message_stats?.publish_in);
    const details = await Promise.all(
      named.map((e: Json) =>
        // An exchange deleted since the list was read has no publishers to name.
        api(`/api/exchanges/${v}/${encodeURIComponent(e.name)}`).catch(() => ({}))
      ),
    );
    answers.incoming = Object.fromEntries(
      named.map((e: Json, i: number) => [e.name, details[i].incoming ?? []]),
    );
  }
  return topologyFrom(answers, {
    managementUrl,
    vhost: source.vhost,
    statisticsIntervalSeconds: source.statisticsIntervalSeconds,
    filter,
  });
}
