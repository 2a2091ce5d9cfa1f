/**
 * A RabbitMQ cluster on this machine, to see quorum queues and failover:
 * three nodes, rabbit-1@localhost to rabbit-3@localhost (AMQP on ports
 * 5681-5683, management UI on 15681-15683, guest / guest), beside the
 * broker of `deno task broker`, which it leaves alone. As root on a
 * Debian-family machine they run the project's RabbitMQ 4.x
 * (tools/rabbitmq4, data and logs in /var/tmp/rabbitmq4/sid/nodes/rabbit-N);
 * elsewhere, or with --rabbitmq installed, the machine's rabbitmq-server
 * (data and logs in /var/tmp/tutorials-cluster).
 *
 *   start    start the nodes that are not running (the first time: form the
 *            cluster); print the URLs and a ready-made AMQP_URL
 *   status   each node's state, and the node that leads each quorum queue
 *   kill     kill -9 one node, as a crash would: `kill rabbit-2`, or
 *            `kill --leader task_queue` for the node that leads the queue
 *   stop     stop the nodes and delete their data
 *
 * Run:   deno task cluster start      (then: deno task cluster status)
 * Needs: --allow-net, --allow-env, --allow-read, --allow-write (its folder),
 *        --allow-run (tools/rabbitmq4, rabbitmq-server, rabbitmqctl, ps, and signals to the nodes),
 *        --allow-sys=uid
 */
import amqp from "amqplib";
import { connectFirst, socketOptions } from "../lib/connect.ts";
import { ProgramError } from "../lib/program_error.ts";
import { maskUrl, urlParts } from "../lib/url.ts";
import { brokerAnswers } from "./lib/broker.ts";
import { clusterNodes, queueLeader, quorumQueues } from "./lib/cluster_state.ts";
import {
  CLUSTER_NODES,
  CLUSTER_URLS,
  clusterCli,
  killNode,
  type LocalNode,
  localNodeNamed,
  nodeProcesses,
  type NodesFrom,
  openPorts,
  startCluster,
  stopNodes,
} from "./lib/local_nodes.ts";

const COMMANDS = ["start", "status", "stop", "kill"];
const SPEC = {
  summary:
    "Run a three-node RabbitMQ cluster on this machine (ports 5681-5683): start, status, kill a node, stop",
  args: "[start|status|stop|kill] [node]",
  maxArgs: 2,
  options: {
    leader: {
      description:
        "with kill: kill the node that leads this quorum queue, e.g. --leader task_queue",
    },
    rabbitmq: {
      description:
        "with start, for a fresh cluster: 4.3 or 4.0 (tools/rabbitmq4, as root), or installed (the machine's rabbitmq-server)",
    },
  },
};

const { brokers, values, positionals } = clusterCli("cluster", SPEC, ([given, node]) => {
  if (given !== undefined && !COMMANDS.includes(given)) {
    throw usage(`Unknown command "${given}": expected start, status, stop or kill`);
  }
  if (node !== undefined && given !== "kill") {
    throw usage(`Too many arguments: "${given}" takes none, got "${node}"`);
  }
});
const rabbitmq = values.rabbitmq as NodesFrom | undefined;
if (rabbitmq !== undefined && !["4.3", "4.0", "installed"].includes(rabbitmq)) {
  throw usage(`Invalid --rabbitmq "${rabbitmq}": expected 4.3, 4.0 or installed`);
}
const { urls } = brokers;
const command = positionals[0] ?? "status";
const defaultUrls = urls.join(",") === CLUSTER_URLS.join(",");

if (command === "start") await start();
else if (command === "status") await status();
else if (command === "stop") await stop();
else await kill();

function usage(message: string): ProgramError {
  return new ProgramError(
    `${message}. Usage: deno task cluster [options] ${SPEC.args} (--help for more)`,
    "usage",
  );
}

async function start() {
  const began = performance.now();
  const { started, version, where } = await startCluster({ log: console.log, rabbitmq });
  const seconds = ((performance.now() - began) / 1000).toFixed(1);
  console.log(
    started.length === 0
      ? `The cluster already runs (RabbitMQ ${version}):`
      : `A cluster of ${CLUSTER_NODES.length} nodes runs (RabbitMQ ${version}, ready in ${seconds} s):`,
  );
  for (const node of CLUSTER_NODES) {
    console.log(
      `  ${
        node.node.padEnd(20)
      } ${node.url}   management http://localhost:${node.managementPort} (guest / guest)`,
    );
  }
  console.log("Point the programs at all three nodes (tried in order):");
  console.log(`  export AMQP_URL=${CLUSTER_URLS.join(",")}`);
  console.log(`From ${where}; "deno task cluster stop" stops it and deletes them`);
}

async function status() {
  const processes = await nodeProcesses();
  const noneRuns = !CLUSTER_NODES.some((node) => processes.has(node.name));
  if (defaultUrls && noneRuns && !(await anyAnswers())) {
    throw new ProgramError(
      'The cluster is not running: no node answers on ports 5681-5683; start it with "deno task cluster start"',
    );
  }
  // A handshake first: it says plainly when no node answers, or when one refuses the login.
  const connection = await connectFirst(brokers, (url) => amqp.connect(url, socketOptions(url)));
  const { version } = connection.connection.serverProperties;
  await connection.close();

  const nodes = await clusterNodes(urls);
  const running = nodes.filter((node) => node.running).length;
  console.log(`Nodes (RabbitMQ ${version}, ${running} of ${nodes.length} running):`);
  for (const node of nodes) {
    const url = nodeUrl(node.name);
    console.log(
      `  ${node.name.padEnd(20)} ${(node.running ? "running" : "down").padEnd(8)} ${url}`,
    );
  }
  const queues = await quorumQueues(urls);
  console.log(queues.length ? "Quorum queues:" : "Quorum queues: none yet");
  const width = Math.max(...queues.map((queue) => queue.name.length));
  for (const queue of queues) {
    const name = queue.vhost === "/" ? queue.name : `${queue.name} (vhost ${queue.vhost})`;
    const leader = queue.leader ? `leader ${queue.leader}` : "no leader (electing one)";
    const online = `${queue.online.length} of ${queue.members.length} replicas online`;
    const messages = queue.messages === undefined ? "" : `, ${queue.messages} messages`;
    console.log(`  ${name.padEnd(width)}  ${leader}, ${online}${messages}`);
  }
  if (defaultUrls) console.log(`AMQP_URL=${CLUSTER_URLS.join(",")}`);
}

/** Whether a node of the cluster answers: run locally, or by compose.cluster.yaml. */
async function anyAnswers(): Promise<boolean> {
  for (const node of CLUSTER_NODES) if (await brokerAnswers(node.url)) return true;
  return false;
}

/** The AMQP URL of a node: rabbit-2@localhost here, or rabbit@rabbit-2 of compose.cluster.yaml. */
function nodeUrl(name: string): string {
  const number = Number(name.match(/rabbit-(\d+)/)?.[1]);
  return localNodeNamed(name)?.url ?? CLUSTER_NODES[number - 1]?.url ?? "";
}

async function stop() {
  const stopped = await stopNodes(CLUSTER_NODES, { log: console.log });
  const busy: string[] = [];
  for (const node of CLUSTER_NODES) {
    for (const port of await openPorts(node)) busy.push(`${port}`);
  }
  if (busy.length) {
    throw new ProgramError(
      `Stopped the cluster, but something else listens on port ${busy.join(", ")}`,
    );
  }
  console.log(
    stopped.length
      ? `Stopped ${
        stopped.map((node) => node.node).join(", ")
      } and deleted their data; no node process or port is left`
      : "The cluster was not running; no node process or port is left",
  );
}

async function kill() {
  let target: LocalNode | undefined;
  let why = "";
  if (values.leader !== undefined) {
    const { vhost } = urlParts(urls[0]);
    const leader = await queueLeader(values.leader, { urls, vhost });
    if (!leader) {
      throw new ProgramError(
        `No quorum queue "${values.leader}" with a leader in vhost "${vhost}" at ${
          urls.map(maskUrl).join(", ")
        }; see "deno task cluster status"`,
      );
    }
    target = localNodeNamed(leader);
    why = `, the leader of "${values.leader}"`;
    if (!target) {
      throw new ProgramError(
        `The leader of "${values.leader}" is ${leader}, not a node of this cluster: only rabbit-1, rabbit-2 and rabbit-3 can be killed here`,
      );
    }
  } else {
    const name = positionals[1];
    if (name === undefined) {
      throw usage("Missing arguments: kill a node (rabbit-1) or --leader QUEUE");
    }
    target = localNodeNamed(name);
    if (!target || !CLUSTER_NODES.includes(target)) {
      throw usage(`Unknown node "${name}": expected rabbit-1, rabbit-2 or rabbit-3`);
    }
  }
  const { pid } = await killNode(target);
  console.log(
    `Killed ${target.node}${why} (kill -9 of process ${pid}); bring it back with "deno task cluster start"`,
  );
}
