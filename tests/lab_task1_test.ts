import assert from "node:assert/strict";
import { usingLine } from "../lib/lab/cli.ts";
import { urlParts } from "../lib/url.ts";
import { restartBroker } from "../tools/lib/broker.ts";
import { LAB_WAITING } from "../tools/lib/ready_lines.ts";
import {
  assertExit,
  BROKER_URL,
  cannotRestartReason,
  ENV,
  eventually,
  queueState,
  runOk,
  runTask,
  startLab,
  stopped,
  test,
  testName,
  testStudent,
  uniqueStudent,
  waitForConsumers,
  waitForDepth,
} from "./_helpers.ts";

/** The first INFO line of a task 1 program: the student's queue and the test broker's vhost. */
const using = (student: { name: string }) =>
  usingLine(urlParts(BROKER_URL).vhost, { queue: student.name });

test("lab1:exclusive: the queue exists while the consumer runs, refuses a second consumer, and goes with the consumer", async () => {
  const student = uniqueStudent();
  await using consumer = await startLab("lab1:exclusive:receive", student.args);
  // Another connection sees the queue, and that it is exclusive to the consumer's connection.
  assert.equal(await queueState(student.name), "exclusive");

  assert.deepEqual(await runOk("lab1:exclusive:send", [...student.args, "Hello, exclusive"]), [
    using(student),
    "SENT: Hello, exclusive",
  ]);
  await consumer.waitFor("RECEIVED: Hello, exclusive");

  const second = await runTask("lab1:exclusive:receive", student.args, { env: ENV });
  assertExit(second, 1);
  assert.equal(second.stderr.length, 1, JSON.stringify(second.stderr));
  assert.match(
    second.stderr[0],
    new RegExp(`^The queue "${student.name}" is exclusive to another connection`),
  );
  // The running-owner cause, not the leftover one: nothing to delete, a program to stop.
  assert.match(second.stderr[0], /a program that declared it is still running/);
  assert.doesNotMatch(second.stderr[0], /lab:reset|not exclusive/);
  assert.ok(!second.stdout.includes(LAB_WAITING));

  assertExit(await stopped(consumer), 0);
  assert.deepEqual(consumer.stdout, [using(student), LAB_WAITING, "RECEIVED: Hello, exclusive"]);
  await eventually(
    `the queue "${student.name}" is gone`,
    async () => (await queueState(student.name)) === "missing",
  );
});

test("lab1:exclusive:send with no consumer reports the returned message and exits 1", async () => {
  const student = uniqueStudent();
  const result = await runTask("lab1:exclusive:send", [...student.args, "Nobody listens"], {
    env: ENV,
  });
  assertExit(result, 1);
  assert.deepEqual(result.stdout, [using(student)], "it must not say SENT");
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

test({
  name: testName(
    "lab1:durable: the queue and a persistent message survive a broker restart, then arrive",
    noRestart,
  ),
  ignore: noRestart !== undefined,
  async fn() {
    await using student = testStudent();
    assert.deepEqual(await runOk("lab1:durable:send", [...student.args, "Survivor"]), [
      using(student),
      "SENT: Survivor",
    ]);
    await waitForDepth(student.name, 1);
    // What lab:show tells before the restart is what the restart does.
    const kept = "  after a broker restart: kept (durable), with its 1 persistent message";
    await eventually(
      "lab:show counts the message",
      async () => (await runOk("lab:show", student.args)).includes(kept),
    );

    await restartBroker(BROKER_URL);

    await waitForDepth(student.name, 1);
    await eventually(
      "lab:show counts the message again",
      async () => (await runOk("lab:show", student.args)).includes(kept),
    );
    await using consumer = await startLab("lab1:durable:receive", student.args);
    await consumer.waitFor("RECEIVED: Survivor");
    assertExit(await stopped(consumer), 0);
    // Already queued, the message still comes after the ready line.
    assert.deepEqual(consumer.stdout, [using(student), LAB_WAITING, "RECEIVED: Survivor"]);
  },
});

test("lab1:durable: a message sent before the consumer starts waits for it", async () => {
  await using student = testStudent();
  await runOk("lab1:durable:send", [...student.args, "Early"]);
  await using consumer = await startLab("lab1:durable:receive", student.args);
  await consumer.waitFor("RECEIVED: Early");
  assertExit(await stopped(consumer), 0);
  // Durable: the queue stays when its consumer leaves.
  assert.equal(await queueState(student.name), "exists");
});

test("lab1:autodelete: a message sent before the consumer starts waits; the queue goes with the last consumer", async () => {
  await using student = testStudent();
  assert.deepEqual(await runOk("lab1:autodelete:send", [...student.args, "Waiting for you"]), [
    using(student),
    "SENT: Waiting for you",
  ]);
  // Never had a consumer: not deleted, although the producer has disconnected.
  await waitForDepth(student.name, 1);

  await using first = await startLab("lab1:autodelete:receive", student.args);
  await using second = await startLab("lab1:autodelete:receive", student.args);
  await first.waitFor("RECEIVED: Waiting for you");
  // Both consume before the first stops (their ready lines come before they consume).
  await waitForConsumers(student.name, 2);

  // One consumer left: the queue stays.
  assertExit(await stopped(first), 0);
  await runOk("lab1:autodelete:send", [...student.args, "Still here"]);
  await second.waitFor("RECEIVED: Still here");

  // The last consumer left: the queue is gone.
  assertExit(await stopped(second), 0);
  await eventually(
    `the queue "${student.name}" is gone`,
    async () => (await queueState(student.name)) === "missing",
  );
});

test("lab1:exclusive:receive tells a leftover queue of another variant from a running owner, and the reset it advises frees the name", async () => {
  await using student = testStudent();
  // A leftover: the auto-delete variant's queue, which never had a consumer, is kept.
  await runOk("lab1:autodelete:send", [...student.args, "Left over"]);
  const refused = await runTask("lab1:exclusive:receive", student.args, { env: ENV });
  assertExit(refused, 1);
  assert.deepEqual(refused.stdout, []);
  const [group, surname] = student.name.split("_");
  assert.deepEqual(refused.stderr, [
    `The queue "${student.name}" already exists and is not exclusive (1 message): it is left over from another task 1 variant, not another program's exclusive queue; delete your lab queues and exchanges with "deno task lab:reset --group ${group} --surname ${surname}" and run again`,
  ]);

  await runOk("lab:reset", ["--group", group, "--surname", surname]);
  await using consumer = await startLab("lab1:exclusive:receive", student.args);
  assert.equal(await queueState(student.name), "exclusive");
  assertExit(await stopped(consumer), 0);
});

test("lab1:exclusive:receive says to stop the program consuming a leftover queue before the reset", async () => {
  await using student = testStudent();
  await using _durable = await startLab("lab1:durable:receive", student.args);
  await waitForConsumers(student.name, 1);
  const refused = await runTask("lab1:exclusive:receive", student.args, { env: ENV });
  assertExit(refused, 1);
  assert.equal(refused.stderr.length, 1, JSON.stringify(refused.stderr));
  assert.match(
    refused.stderr[0],
    new RegExp(
      `^The queue "${student.name}" already exists and is not exclusive \\(0 messages, 1 consumer\\): it is left over from another task 1 variant, not another program's exclusive queue; stop the program consuming it \\(lab1:durable:receive or lab1:autodelete:receive with your name\\?\\), then delete your lab queues and exchanges with "deno task lab:reset --group [^"]+" and run again$`,
    ),
  );
});
