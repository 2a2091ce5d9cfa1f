/**
 * What the tests of local nodes (the cluster, kill -9 of a broker) need
 * beyond tools/lib/local_nodes.ts: a node of their own to kill, and whether
 * they can run here.
 *
 * @module
 */
import { brokerVersion } from "../lib/broker_version.ts";
import { localInstall, localNode } from "../tools/lib/local_nodes.ts";

/** A standalone node, without the management plugin, for tests that kill their broker. */
export const SOLO_NODE = localNode("rabbit-solo", 5690, false);

/**
 * Why tests cannot run local nodes for the test run against the broker at
 * `brokerUrl`, or `undefined` when they can: there is no local install, or
 * the broker under test runs another version than the local install (the
 * nodes would run that install's version, so the run against it tests them).
 *
 * @example
 * ```ts
 * const skip = await localNodesSkipReason(URL);
 * if (skip) console.log(`Skipping the cluster tests: ${skip}`);
 * ```
 */
export async function localNodesSkipReason(brokerUrl: string): Promise<string | undefined> {
  const found = await localInstall();
  if (!found) {
    return "there is no local rabbitmq-server to run the nodes from (with Docker, compose.cluster.yaml runs the cluster by hand)";
  }
  let version: string | undefined;
  try {
    version = await brokerVersion(brokerUrl);
  } catch {
    return undefined; // the other tests say what is wrong with the broker
  }
  if (version === found.version) return undefined;
  return `the broker under test is RabbitMQ ${version}, but these tests run nodes of this machine's rabbitmq-server ${found.version} (a single ${version} node, such as the CI's in a chroot, can neither host a cluster nor be killed under the other tests), so they run in the run against ${found.version}`;
}
