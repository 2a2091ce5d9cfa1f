/**
 * What a RabbitMQ cluster says about itself through its management API:
 * which nodes run, and each quorum queue's leader and replicas. Each call
 * asks the nodes of `urls` in order, the first whose API answers: the API
 * of `amqp://host:5681` is on the same host at the AMQP port + 10,000
 * (`http://host:15681`), as `deno task cluster` and compose.cluster.yaml
 * run them.
 *
 * @module
 */
import { managementRequest } from "../../lib/management.ts";
import { ProgramError } from "../../lib/program_error.ts";
import { urlParts } from "../../lib/url.ts";
import { pollUntil } from "./poll.ts";

/** A cluster node as the management API lists it. */
export interface NodeState {
  /** Erlang node name. */
  name: string;
  running: boolean;
}

/** A quorum queue as the management API lists it. */
export interface QuorumQueueState {
  name: string;
  vhost: string;
  /** The node of its leader replica, if one is elected. */
  leader?: string;
  /** The nodes of its replicas. */
  members: string[];
  /** The nodes whose replica runs. */
  online: string[];
  /** Messages ready and unacknowledged. */
  messages?: number;
}

/** Which queue to ask about, and which nodes to ask. */
export interface QueueOptions {
  /** The nodes' AMQP URLs. */
  urls: string[];
  /** The queue's vhost (default "/"). */
  vhost?: string;
}

/** GET `path` from the management API of the first node of `urls` that answers. */
async function ask(urls: string[], path: string): Promise<unknown> {
  let last: unknown;
  for (const url of urls) {
    try {
      return await managementRequest(url, path, { port: urlParts(url).port + 10_000 });
    } catch (error) {
      last = error;
    }
  }
  throw new ProgramError(
    `No management API answered (${(last as Error)?.message}); is the cluster running?`,
  );
}

/**
 * The cluster's nodes and whether each runs, as a running node sees them.
 *
 * @example
 * ```ts
 * await clusterNodes(CLUSTER_URLS); // [{ name: "rabbit-1@localhost", running: true }, ...]
 * ```
 */
export async function clusterNodes(urls: string[]): Promise<NodeState[]> {
  const nodes = await ask(urls, "/api/nodes?columns=name,running") as NodeState[];
  return nodes.map(({ name, running }) => ({ name, running }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** The quorum queues of the cluster with their leader and replicas. */
export async function quorumQueues(urls: string[]): Promise<QuorumQueueState[]> {
  const queues = await ask(
    urls,
    "/api/queues?columns=name,vhost,type,leader,node,members,online,messages",
  ) as Record<string, unknown>[];
  return queues.filter((queue) => queue.type === "quorum").map((queue) => ({
    name: queue.name as string,
    vhost: queue.vhost as string,
    leader: (queue.leader ?? queue.node) as string | undefined,
    members: ((queue.members ?? []) as string[]).toSorted(),
    online: ((queue.online ?? []) as string[]).toSorted(),
    messages: queue.messages as number | undefined,
  }));
}

/**
 * The node that leads the quorum queue now, as the management API says
 * (`leader`), or `undefined` while its replicas elect one.
 *
 * @example
 * ```ts
 * await queueLeader("task_queue", { urls: CLUSTER_URLS }); // "rabbit-1@localhost"
 * ```
 */
export async function queueLeader(
  queue: string,
  options: QueueOptions,
): Promise<string | undefined> {
  const vhost = options.vhost ?? "/";
  const queues = await quorumQueues(options.urls);
  return queues.find((q) => q.name === queue && q.vhost === vhost)?.leader;
}

/**
 * Waits until the quorum queue has a leader on a running node other than
 * `not`, and returns that node.
 */
export async function waitForLeader(
  queue: string,
  options: QueueOptions & { not?: string; timeoutMs?: number },
): Promise<string> {
  return await pollUntil(`"${queue}" has a leader other than ${options.not}`, async () => {
    const leader = await queueLeader(queue, options).catch(() => undefined);
    return leader !== undefined && leader !== options.not && leader;
  }, { timeoutMs: options.timeoutMs ?? 60_000, intervalMs: 100 });
}
