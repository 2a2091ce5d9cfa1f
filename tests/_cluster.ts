/**
 * What the tests of local nodes (the cluster, kill -9 of a broker) need
 * beyond tools/lib/local_nodes.ts: a node of their own to kill, and whether
 * they can run here.
 *
 * @module
 */
import { chrootPossible, localInstall, localNode } from "../tools/lib/local_nodes.ts";
import { ranElsewhere } from "./_runs.ts";

/** A standalone node, without the management plugin, for tests that kill their broker. */
export const SOLO_NODE = localNode("rabbit-solo", 5690, false);

/**
 * Why tests cannot run local nodes here, or `undefined` when they can:
 * neither tools/rabbitmq4 (root, and debootstrap or apt-get) nor a local
 * rabbitmq-server to run them from; or `.ci/run` runs them in its other run
 * (they use nodes of their own, not the run's broker).
 *
 * @example
 * ```ts
 * const skip = await localNodesSkipReason();
 * if (skip) console.log(`Skipping the cluster tests: ${skip}`);
 * ```
 */
export async function localNodesSkipReason(): Promise<string | undefined> {
  const elsewhere = ranElsewhere();
  if (elsewhere) return elsewhere;
  if ((await chrootPossible()) || (await localInstall())) return undefined;
  return "there is neither tools/rabbitmq4 (root, and debootstrap or apt-get) nor a local rabbitmq-server to run the nodes from (with Docker, compose.cluster.yaml runs the cluster by hand)";
}
