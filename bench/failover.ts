/**
 * Failover figures: with two workers (tutorial 2's worker.ts, given the
 * cluster's three URLs) doing the tasks a confirmed publisher sends at a
 * steady rate, it kills the node that leads the work queue with kill -9,
 * --kills times (5 by default), bringing the node back in between. For each
 * kill it measures the failover time: from the kill to the first " [x] Done"
 * of a task a worker received after the kill, that is how long the work
 * stopped. At the end it reports them as p50 and max, and the tasks lost
 * (confirmed by the broker but never done: must be 0) and redelivered.
 * The queue is one of its own (task_queue.bench.<random>), deleted at the end.
 *
 * Run:   deno task cluster start && deno task bench:failover     (about a minute and a half)
 * Needs: --allow-all (it runs the workers, reads the nodes' files and kills nodes)
 */
import amqp from "amqplib";
import { wholeNumber } from "../lib/cli.ts";
import { connectFirst, socketOptions } from "../lib/connect.ts";
import { ProgramError } from "../lib/program_error.ts";
import { quorumQueues, waitForLeader } from "../tools/lib/cluster_state.ts";
import { ConfirmedPublisher } from "../tools/lib/confirmed_publisher.ts";
import {
  CLUSTER_NODES,
  CLUSTER_URLS,
  clusterCli,
  killNode,
  localNodeNamed,
  nodeProcesses,
  queueOnDisk,
  startCluster,
} from "../tools/lib/local_nodes.ts";
import { pollUntil } from "../tools/lib/poll.ts";
import { Program } from "../tools/lib/program.ts";
import { WAITING } from "../tools/lib/ready_lines.ts";
import { workLog } from "../tools/lib/work_log.ts";

const { brokers, values } = clusterCli("bench:failover", {
  summary:
    "Kill -9 the node leading the work queue of two workers, 5 times under load: failover time (p50, max), tasks lost and redelivered",
  options: {
    kills: { default: "5", description: "how many times to kill the leader" },
    rate: { default: "100", description: "tasks per second the publisher sends" },
  },
});
const { urls } = brokers;
const KILLS = wholeNumber("kills", values.kills, 1);
const RATE = wholeNumber("rate", values.rate, 1);

const running = await nodeProcesses();
const notRunning = new ProgramError(
  'The failover bench kills and restarts the nodes of "deno task cluster", which are not all running here; start them with "deno task cluster start"',
);
const allRunning = CLUSTER_NODES.every((node) => running.has(node.name));
if (!allRunning && urls.join(",") === CLUSTER_URLS.join(",")) throw notRunning;
// A handshake first: a plain sentence when a broker of --url does not answer or refuses us.
const connection = await connectFirst(brokers, (url) => amqp.connect(url, socketOptions(url)));
const { version } = connection.connection.serverProperties;
await connection.close();
if (!allRunning) throw notRunning;

/** Each worker's lines (stdout and stderr), and when each came. */
const output: { at: number; text: string }[][] = [[], []];
const lines = () => output.flat();
/** Each worker's work so far, read from its lines, with the line's arrival of each task done. */
const work = () =>
  output.map((worker) => {
    const { received, done } = workLog(worker.map((line) => line.text));
    return { received, done: done.map(({ task, line }) => ({ task, at: worker[line].at })) };
  });
const queue = `task_queue.bench.${crypto.randomUUID().slice(0, 8)}`;
const env = { AMQP_URL: urls.join(",") };
const workers: Program[] = [];
for (const worker of output) {
  workers.push(
    await Program.start("worker", ["--queue", queue], {
      env,
      onLine: (text) => worker.push({ at: performance.now(), text }),
    }),
  );
}

/** One kill: which node, whether the workers were connected to it, and the failover time. */
interface Kill {
  node: string;
  workersCutOff: number;
  failoverMs: number;
}
const kills: Kill[] = [];
const publisher = new ConfirmedPublisher({ urls, queue, rate: RATE });
let publishing: Promise<void> | undefined;
try {
  for (const worker of workers) await worker.waitFor(WAITING);
  // A quorum queue killed within a second of its declaration loses its replica on 3.10.
  for (const node of CLUSTER_NODES) await queueOnDisk(node, queue);
  publishing = publisher.run();

  for (let round = 1; round <= KILLS; round++) {
    await steady();
    const leader = await waitForLeader(queue, { urls });
    const node = localNodeNamed(leader);
    if (!node) throw new ProgramError(`The leader of "${queue}" is ${leader}, not a local node`);
    const lost = () => lines().filter((line) => line.text.startsWith("Lost the connection")).length;
    const lostBefore = lost();
    // Tasks up to this one may have reached a worker before the kill; later ones cannot have.
    let lastBefore = 0;
    const { at: killedAt } = await killNode(node, {
      beforeSignal: () => lastBefore = publisher.published,
    });
    const done = await pollUntil(
      "a worker finishes a task published after the kill",
      () =>
        work().flatMap((worker) => worker.done)
          .filter(({ task }) => Number(task.match(/^task (\d+)$/)?.[1]) > lastBefore)
          .sort((a, b) => a.at - b.at)[0],
      { timeoutMs: 60_000, intervalMs: 10 },
    );
    await startCluster(); // brings the killed node back, on its data
    const cutOff = lost() - lostBefore;
    kills.push({ node: node.node, workersCutOff: cutOff, failoverMs: done.at - killedAt });
    console.log(
      `Kill ${round} of ${KILLS}: ${node.node}, the leader${
        cutOff ? `, with the ${cutOff} workers connected to it` : " (the workers were elsewhere)"
      }: work resumed after ${Math.round(done.at - killedAt).toLocaleString("en-US")} ms`,
    );
  }
} finally {
  publisher.stop();
  await publishing?.catch(() => {});
}

// Every confirmed task done, then nothing left, then the workers stopped like with Ctrl+C.
const doneTasks = () => new Set(work().flatMap((worker) => worker.done.map(({ task }) => task)));
await pollUntil("every confirmed task is done", () => {
  const done = doneTasks();
  return [...publisher.confirmed].every((n) => done.has(`task ${n}`));
}, { timeoutMs: 60_000 }).catch(() => {});
for (const worker of workers) await worker.stop();
await (async () => {
  const connection = await connectFirst(brokers, (url) => amqp.connect(url, socketOptions(url)));
  const channel = await connection.createChannel();
  await channel.deleteQueue(queue);
  await connection.close();
})();

const done = doneTasks();
const lost = [...publisher.confirmed].filter((n) => !done.has(`task ${n}`)).length;
const redelivered = work().flatMap((worker) => worker.received)
  .filter((task) => task.redelivered).length;
const times = kills.map((kill) => kill.failoverMs).sort((a, b) => a - b);
const ms = (value: number) => `${Math.round(value).toLocaleString("en-US")} ms`;
const count = (value: number) => value.toLocaleString("en-US");
console.log(
  `\nFailover of the work queue's leader (kill -9), ${KILLS} times, 2 workers, ${RATE} tasks/s, RabbitMQ ${version}:`,
);
console.log(
  `  failover time (kill to the next Done): p50 ${
    ms(times[Math.ceil(times.length / 2) - 1])
  }, max ${ms(times[times.length - 1])}`,
);
console.log(
  `  tasks: ${count(publisher.published)} published, ${
    count(publisher.confirmed.size)
  } confirmed, ${count(done.size)} done, ${count(lost)} lost, ${count(redelivered)} redelivered`,
);
if (lost > 0) {
  throw new ProgramError(`${lost} confirmed tasks were never done: the cluster lost them`);
}

/** Waits until all three nodes run and the queue has its three replicas online. */
async function steady() {
  await pollUntil("the queue has three replicas online", async () => {
    const queues = await quorumQueues(urls).catch(() => []);
    const ours = queues.find((q) => q.name === queue);
    return ours !== undefined && ours.online.length === 3 && ours.leader !== undefined;
  }, { timeoutMs: 60_000, intervalMs: 250 });
  // And the work flowing again: a task done since.
  const since = performance.now();
  await pollUntil(
    "the workers do tasks",
    () => lines().some((line) => line.at > since && line.text === " [x] Done"),
    { timeoutMs: 30_000 },
  );
}
