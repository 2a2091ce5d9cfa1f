/**
 * Beyond one broker: programs given several brokers, and a three-node
 * cluster (deno task cluster) whose quorum queue leader is killed with
 * kill -9 under load. The cluster runs on ports of its own (5681-5683),
 * beside the broker the other tests use, from the project's RabbitMQ 4.x
 * (tools/rabbitmq4) as root on Debian, else from the machine's
 * rabbitmq-server; the test stops it in the end, whatever happens.
 */
import assert from "node:assert/strict";
import { maskUrl } from "../lib/url.ts";
import { waitForLeader } from "../tools/lib/cluster_state.ts";
import { ConfirmedPublisher } from "../tools/lib/confirmed_publisher.ts";
import {
  CLUSTER_DIR,
  CLUSTER_NODES,
  CLUSTER_URLS,
  clusterProcesses,
  killNode,
  localNodeNamed,
  openPorts,
  queueOnDisk,
  stopNodes,
} from "../tools/lib/local_nodes.ts";
import { nodeStates } from "../tools/lib/rabbitmq4.ts";
import { WAITING } from "../tools/lib/ready_lines.ts";
import { workLog } from "../tools/lib/work_log.ts";
import { localNodesSkipReason } from "./_cluster.ts";
import {
  assertExit,
  atExit,
  BROKER_URL,
  eventually,
  freePort,
  runTask,
  startReady,
  test,
  testName,
  testQueue,
  uniqueName,
  urlWith,
  withChannel,
} from "./_helpers.ts";

const skip = await localNodesSkipReason();

test("worker.ts and new_task.ts given three URLs of which the first two refuse connections use the third", async () => {
  const refused = [freePort(), freePort()].map((port) => urlWith((url) => url.port = String(port)));
  await using queue = testQueue("task_queue");
  // --url repeated for the worker; a comma-separated AMQP_URL for new_task.
  await using worker = await startReady(
    "worker",
    ["--queue", queue.name, "--url", refused[0], "--url", refused[1], "--url", BROKER_URL],
    WAITING,
  );
  await worker.waitFor(/^Connected to /, { stream: "stderr" });
  assert.deepEqual(worker.stderr, [`Connected to "${maskUrl(BROKER_URL)}"`]);
  const sent = await runTask("new_task", ["--queue", queue.name, "via the third"], {
    env: { AMQP_URL: [...refused, BROKER_URL].join(",") },
  });
  assertExit(sent, 0, "deno task new_task");
  assert.deepEqual(sent.stdout, [" [x] Sent 'via the third'"]);
  await worker.waitFor("[x] Done");
});

test({
  name: testName("a three-node cluster on this machine (deno task cluster)", skip),
  ignore: skip !== undefined,
  async fn(t) {
    await using _cluster = atExit(() => stopNodes(CLUSTER_NODES));

    await t.step(
      "deno task cluster start runs three nodes; starting it again changes nothing",
      async () => {
        const first = await runTask("cluster", ["start"]);
        assertExit(first, 0, "deno task cluster start");
        assert.ok(
          first.stdout.includes(`  export AMQP_URL=${CLUSTER_URLS.join(",")}`),
          first.stdout.join("\n"),
        );
        const pids = await clusterProcesses();
        assert.equal(pids.size, 3);

        const again = await runTask("cluster", ["start"]);
        assertExit(again, 0, "deno task cluster start, again");
        assert.match(again.stdout[0], /^The cluster already runs/);
        assert.deepEqual(await clusterProcesses(), pids, "the same three node processes");
      },
    );

    await t.step(
      "kill -9 of the node leading task_queue, halfway through 2,000 confirmed tasks: two workers fail over, no confirmed task is lost, every duplicate is marked (redelivered)",
      async () => {
        const queue = uniqueName("task_queue");
        // Deleted through the last node, which the kill leaves running.
        const survivor = CLUSTER_URLS[2];
        await using _queue = atExit(() =>
          withChannel((channel) => channel.deleteQueue(queue), survivor)
        );
        const env = { AMQP_URL: CLUSTER_URLS.join(",") };
        await using worker1 = await startReady("worker", ["--queue", queue], WAITING, { env });
        await using worker2 = await startReady("worker", ["--queue", queue], WAITING, { env });
        const workers = [worker1, worker2];
        // Declared by a worker connected to rabbit-1, the queue's leader is rabbit-1.
        const leader = await waitForLeader(queue, { urls: CLUSTER_URLS });
        assert.equal(leader, CLUSTER_NODES[0].node);
        // A replica killed within a second of the queue's declaration can come back empty: the
        // queue gets past that moment first, as a queue in use has.
        for (const node of CLUSTER_NODES) assert.ok(await queueOnDisk(node, queue), node.node);

        let killed: Promise<unknown> | undefined;
        const publisher = new ConfirmedPublisher({
          urls: CLUSTER_URLS,
          queue,
          count: 2000,
          onConfirm: () => {
            if (publisher.confirmed.size !== 1000) return;
            killed = killNode(localNodeNamed(leader)!).catch((error) => error);
          },
        });
        await publisher.run();
        assert.ok(killed, "the leader was killed halfway");
        const { pid } = await killed as { pid?: number };
        assert.equal(typeof pid, "number", "kill -9 of the leader");
        assert.equal(publisher.published, 2000);

        // Every confirmed task done by one worker or the other, then nothing left to do.
        const doneTasks = () =>
          new Set(workers.flatMap((worker) => workLog(worker.stdout).done.map((d) => d.task)));
        await eventually("every confirmed task is done", () => {
          const done = doneTasks();
          return Promise.resolve([...publisher.confirmed].every((n) => done.has(`task ${n}`)));
        }, 60_000);
        await eventually("the queue is empty and the workers idle", async () => {
          const ready = await withChannel(
            async (channel) => (await channel.checkQueue(queue)).messageCount,
            survivor,
          );
          return ready === 0 &&
            workers.every((worker) => {
              const { received, done } = workLog(worker.stdout);
              return received.length === done.length;
            });
        }, 30_000);

        for (const worker of workers) {
          // Both were connected to rabbit-1, the leader: both lost it and went on elsewhere.
          assert.ok(
            worker.stderr.some((line) =>
              line.startsWith(`Lost the connection to "${CLUSTER_URLS[0]}"`)
            ),
            worker.stderr.join("\n"),
          );
          assert.ok(
            worker.stderr.some((line) =>
              /^Reconnected to "amqp:\/\/localhost:568[23]"$/.test(line)
            ),
            worker.stderr.join("\n"),
          );
        }
        const done = doneTasks();
        const lost = [...publisher.confirmed].filter((n) => !done.has(`task ${n}`));
        assert.deepEqual(lost, [], "confirmed tasks never done");

        const receipts = new Map<string, boolean[]>();
        for (const worker of workers) {
          for (const { task, redelivered } of workLog(worker.stdout).received) {
            receipts.set(task, [...(receipts.get(task) ?? []), redelivered]);
          }
        }
        const unmarked = [...receipts].filter(([, marks]) =>
          marks.filter((redelivered) => !redelivered).length > 1
        );
        assert.deepEqual(unmarked, [], "tasks received twice without (redelivered)");
        const redelivered = [...receipts.values()].flat().filter(Boolean).length;
        const count = (n: number) => n.toLocaleString("en-US");
        console.log(
          `2,000 tasks published, ${
            count(publisher.confirmed.size)
          } confirmed (the others were in flight at the kill, or nacked during the election), ${
            count(done.size)
          } done, 0 lost, ${count(redelivered)} redelivered`,
        );
      },
    );

    await t.step(
      "a program given only the killed node's URL is told that this cluster node is down, not to start a broker",
      async () => {
        const down = CLUSTER_URLS[0]; // rabbit-1, the leader killed above
        const sent = await runTask("send", ["--queue", uniqueName("hello"), "--url", down]);
        assertExit(sent, 1, "deno task send to the killed node");
        assert.deepEqual(sent.stderr, [
          `Cannot connect to "${down}": connection refused; if it is a node of "deno task cluster", that node is down: "deno task cluster status" shows which nodes run and "deno task cluster start" brings it back; given every node's URL (AMQP_URL=amqp://localhost:5681,amqp://localhost:5682,amqp://localhost:5683), a program goes on with a node that runs`,
        ]);
      },
    );

    await t.step(
      "deno task cluster stop leaves no node process, no port open and no data",
      async () => {
        const stopped = await runTask("cluster", ["stop"]);
        assertExit(stopped, 0, "deno task cluster stop");
        assert.deepEqual([...(await clusterProcesses()).keys()], []);
        for (const node of CLUSTER_NODES) assert.deepEqual(await openPorts(node), [], node.node);
        const names = CLUSTER_NODES.map((node) => node.name);
        const left = (await nodeStates()).filter((state) => names.includes(state.name));
        assert.deepEqual(left.map((state) => state.folder), [], "the nodes' folders");
        await assert.rejects(Deno.stat(`${CLUSTER_DIR}/rabbit-1`), Deno.errors.NotFound);
      },
    );
  },
});
