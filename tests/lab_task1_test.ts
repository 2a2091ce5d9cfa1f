import assert from "node:assert/strict";
import { restartBroker } from "../lib/broker.ts";
import {
  cannotRestartReason,
  deleteQueues,
  ENV,
  eventually,
  type Program,
  runTask,
  URL,
  waitForDepth,
} from "./_helpers.ts";
import { queueState, runLab, startLab, uniqueStudent, WAITING } from "./_lab_helpers.ts";

Deno.test("lab1:exclusive: the queue exists while the consumer runs, refuses a second consumer, and goes with the consumer", async () => {
  const student = uniqueStudent();
  const consumer = await startLab("lab1:exclusive:receive", student.args);
  try {
    // Another connection sees the queue, and that it is exclusive to the consumer's connection.
    assert.equal(await queueState(student.name), "exclusive");

    assert.deepEqual(await runLab("lab1:exclusive:send", [...student.args, "Hello, exclusive"]), [
      "SENT: Hello, exclusive",
    ]);
    await consumer.waitFor("RECEIVED: Hello, exclusive");

    const second = await runTask("lab1:exclusive:receive", student.args, { env: ENV });
    assert.equal(second.code, 1);
    assert.equal(second.stderr.length, 1, JSON.stringify(second.stderr));
    assert.match(
      second.stderr[0],
      new RegExp(`^The queue "${student.name}" is exclusive to another connection`),
    );
    assert.ok(!second.stdout.includes(WAITING));
  } finally {
    assert.equal(await consumer.stop(), 0);
  }
  assert.deepEqual(consumer.stdout, [WAITING, "RECEIVED: Hello, exclusive"]);
  await eventually(
    `the queue "${student.name}" is gone`,
    async () => (await queueState(student.name)) === "missing",
  );
});

Deno.test("lab1:exclusive:send with no consumer reports the returned message and exits 1", async () => {
  const student = uniqueStudent();
  const result = await runTask("lab1:exclusive:send", [...student.args, "Nobody listens"], {
    env: ENV,
  });
  assert.equal(result.code, 1);
  assert.deepEqual(result.stdout, [], "it must not say SENT");
  assert.equal(result.stderr.length, 1, JSON.stringify(result.stderr));
  assert.match(
    result.stderr[0],
    new RegExp(
      `^No queue "${student.name}" to deliver to, so the broker returned the message: an exclusive queue exists only while its consumer runs; start "deno task lab1:exclusive:receive"`,
    ),
  );
  // The producer cannot declare the consumer's queue, and did not.
  assert.equal(await queueState(student.name), "missing");
});

const noRestart = await cannotRestartReason();
if (noRestart) console.log(`Skipping the lab's broker restart tests: ${noRestart}`);

Deno.test({
  name: "lab1:durable: the queue and a persistent message survive a broker restart, then arrive",
  ignore: noRestart !== undefined,
  async fn() {
    const student = uniqueStudent();
    try {
      assert.deepEqual(await runLab("lab1:durable:send", [...student.args, "Survivor"]), [
        "SENT: Survivor",
      ]);
      await waitForDepth(student.name, 1);

      await restartBroker(URL);

      await waitForDepth(student.name, 1);
      const consumer = await startLab("lab1:durable:receive", student.args);
      await consumer.waitFor("RECEIVED: Survivor");
      assert.equal(await consumer.stop(), 0);
      // Already queued, the message may arrive before the ready line.
      assert.deepEqual(consumer.stdout.toSorted(), ["RECEIVED: Survivor", WAITING].toSorted());
    } finally {
      await deleteQueues(student.name);
    }
  },
});

Deno.test("lab1:durable: a message sent before the consumer starts waits for it", async () => {
  const student = uniqueStudent();
  let consumer: Program | undefined;
  try {
    await runLab("lab1:durable:send", [...student.args, "Early"]);
    consumer = await startLab("lab1:durable:receive", student.args);
    await consumer.waitFor("RECEIVED: Early");
    assert.equal(await consumer.stop(), 0);
    // Durable: the queue stays when its consumer leaves.
    assert.equal(await queueState(student.name), "exists");
  } finally {
    await consumer?.stop();
    await deleteQueues(student.name);
  }
});

Deno.test("lab1:autodelete: a message sent before the consumer starts waits; the queue goes with the last consumer", async () => {
  const student = uniqueStudent();
  let first: Program | undefined, second: Program | undefined;
  try {
    assert.deepEqual(await runLab("lab1:autodelete:send", [...student.args, "Waiting for you"]), [
      "SENT: Waiting for you",
    ]);
    // Never had a consumer: not deleted, although the producer has disconnected.
    await waitForDepth(student.name, 1);

    first = await startLab("lab1:autodelete:receive", student.args);
    second = await startLab("lab1:autodelete:receive", student.args);
    await first.waitFor("RECEIVED: Waiting for you");

    // One consumer left: the queue stays.
    assert.equal(await first.stop(), 0);
    await runLab("lab1:autodelete:send", [...student.args, "Still here"]);
    await second.waitFor("RECEIVED: Still here");

    // The last consumer left: the queue is gone.
    assert.equal(await second.stop(), 0);
    await eventually(
      `the queue "${student.name}" is gone`,
      async () => (await queueState(student.name)) === "missing",
    );
  } finally {
    await first?.stop();
    await second?.stop();
    await deleteQueues(student.name);
  }
});
