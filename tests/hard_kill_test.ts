/**
 * What a publisher confirm promises when the broker dies hard: kill -9 of
 * the broker's Erlang process while confirmed publishers run, then a
 * restart. A message the broker confirmed for a durable queue (quorum, or
 * classic with persistent messages) is still there; lab task 2's transient
 * variant loses its queued tasks, confirmed or not.
 *
 * The broker killed is a standalone node started for this test
 * (rabbit-solo@localhost on port 5690, from tools/rabbitmq4's RabbitMQ 4.x
 * as root on Debian, else from the machine's rabbitmq-server), never the
 * broker at AMQP_URL: the other tests use that one while this runs, and on
 * a learner's machine it holds their own queues. The node is stopped, and
 * its data deleted, at the end.
 */
import assert from "node:assert/strict";
import { ConfirmedPublisher } from "../tools/lib/confirmed_publisher.ts";
import { killNode, queueOnDisk, startNode, stopNodes } from "../tools/lib/local_nodes.ts";
import { pollUntil } from "../tools/lib/poll.ts";
import { localNodesSkipReason, SOLO_NODE } from "./_cluster.ts";
import {
  assertExit,
  atExit,
  eventually,
  queueState,
  runTask,
  test,
  testName,
  uniqueName,
  withChannel,
} from "./_helpers.ts";

const skip = await localNodesSkipReason();

const BROKER = SOLO_NODE.url;
const count = (n: number) => n.toLocaleString("en-US");

/** The numbers of the messages in the queue (`task 17` is 17), taken off it. */
async function drain(queue: string): Promise<Set<number>> {
  return await withChannel(async (channel) => {
    const found = new Set<number>();
    for (
      let msg = await channel.get(queue, { noAck: true });
      msg;
      msg = await channel.get(queue, { noAck: true })
    ) {
      found.add(Number(msg.content.toString().replace(/^task /, "")));
    }
    return found;
  }, BROKER);
}

test({
  name: testName("kill -9 of the broker while confirmed publishers run, then a restart", skip),
  ignore: skip !== undefined,
  async fn(t) {
    const quorum = uniqueName("kill9.quorum");
    const classic = uniqueName("kill9.classic");
    // Lab task 2, variant 2 (direct exchange): a transient exchange and queue, tasks not persistent.
    const surname = Array.from(
      crypto.getRandomValues(new Uint8Array(8)),
      (b) => "abcdefghijklmnopqrstuvwxyz"[b % 26],
    ).join("");
    const student = ["--group", "kill-9", "--surname", surname];
    const labQueue = `${student[1]}_${student[3]}_tasks`;
    const env = { AMQP_URL: BROKER };
    // The node goes with its data: the queues of this test with it.
    await using _node = atExit(() => stopNodes([SOLO_NODE]));
    await startNode(SOLO_NODE, { startedBy: "tests/hard_kill_test.ts" });
    for (const task of ["first*", "second**", "third***"]) {
      assertExit(await runTask("lab2:direct:new_task", [...student, task], { env }), 0);
    }
    await eventually(
      `"${labQueue}" holds the 3 tasks`,
      () =>
        withChannel(
          async (channel) => (await channel.checkQueue(labQueue)).messageCount === 3,
          BROKER,
        ),
    );

    await withChannel(async (channel) => {
      await channel.assertQueue(quorum, {
        durable: true,
        arguments: { "x-queue-type": "quorum" },
      });
      await channel.assertQueue(classic, { durable: true });
    }, BROKER);
    // A quorum queue killed within a second of its declaration can come back empty and
    // leaderless (its replica was not yet in the node's registry): see queueOnDisk.
    assert.ok(await queueOnDisk(SOLO_NODE, quorum), "the new quorum queue reached the disk");
    const publishers = [quorum, classic].map((queue) =>
      new ConfirmedPublisher({ urls: [BROKER], queue, failover: false })
    );
    const running = publishers.map((publisher) => publisher.run().catch((error) => error));
    await pollUntil(
      "both publishers have 500 confirmed messages",
      () => publishers.every((publisher) => publisher.confirmed.size >= 500),
      { timeoutMs: 30_000 },
    );
    await killNode(SOLO_NODE);
    for (const result of await Promise.all(running)) assert.equal(result, undefined, `${result}`);
    for (const publisher of publishers) {
      assert.equal(publisher.connectionsLost, 1, "the kill cut the publisher off mid-stream");
      assert.ok(publisher.published > publisher.confirmed.size, "some messages were in flight");
    }
    await startNode(SOLO_NODE, { startedBy: "tests/hard_kill_test.ts" }); // on the data the killed node left

    for (const [index, queue] of [quorum, classic].entries()) {
      const kind = index === 0
        ? "a durable quorum queue"
        : "a durable classic queue with persistent messages";
      await t.step(`every message confirmed for ${kind} is there after the restart`, async () => {
        const publisher = publishers[index];
        await eventually(
          `"${queue}" is back`,
          async () => (await queueState(queue, BROKER)) === "exists",
        );
        const found = await drain(queue);
        const missing = [...publisher.confirmed].filter((n) => !found.has(n));
        assert.deepEqual(missing, [], "confirmed messages lost by kill -9");
        console.log(
          `${kind}: ${count(publisher.published)} published, ${
            count(publisher.confirmed.size)
          } confirmed, ${count(found.size)} there after the restart`,
        );
      });
    }

    await t.step(
      "lab task 2's transient variant (lab2:direct:new_task) loses its queued tasks",
      async () => {
        assert.equal(
          await queueState(labQueue, BROKER),
          "missing",
          "the transient queue and its 3 tasks are gone",
        );
      },
    );
  },
});
