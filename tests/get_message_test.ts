import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import {
  assertExit,
  ENV,
  runTask,
  test,
  testQueue,
  uniqueName,
  waitForDepth,
  withChannel,
} from "./_helpers.ts";

async function getMessage(args: string[]) {
  return await runTask("get_message", args, { env: ENV });
}

test("get_message.ts takes one message off the queue, prints it and acks it", async () => {
  await using queue = testQueue("hello");
  await withChannel(async (channel) => {
    await channel.assertQueue(queue.name, { durable: true });
    for (const text of ["first", "second"]) channel.sendToQueue(queue.name, Buffer.from(text));
    await channel.close();
  });
  await waitForDepth(queue.name, 2);
  const first = await getMessage([queue.name]);
  assertExit(first, 0);
  assert.deepEqual(first.stdout, [
    " [x] Received 'first'",
    ` [*] 1 more message(s) in "${queue.name}"`,
  ]);
  // Acked: the broker removed it, and the program left no consumer behind.
  await waitForDepth(queue.name, 1);
  const { consumerCount } = await withChannel((channel) => channel.checkQueue(queue.name));
  assert.equal(consumerCount, 0);

  const second = await getMessage(["--queue", queue.name]);
  assert.deepEqual(second.stdout, [
    " [x] Received 'second'",
    ` [*] 0 more message(s) in "${queue.name}"`,
  ]);
  await waitForDepth(queue.name, 0);
});

test("get_message.ts says the queue is empty and exits 0", async () => {
  await using queue = testQueue("hello");
  await withChannel((channel) => channel.assertQueue(queue.name, { durable: true }));
  const result = await getMessage([queue.name]);
  assertExit(result, 0);
  assert.deepEqual(result.stdout, [` [*] The queue "${queue.name}" is empty`]);
  assert.deepEqual(result.stderr, []);
});

test("get_message.ts on a missing queue prints one sentence and exits 1, creating nothing", async () => {
  const queue = uniqueName("missing");
  const result = await getMessage([queue]);
  assertExit(result, 1);
  assert.deepEqual(result.stdout, []);
  assert.equal(result.stderr.length, 1);
  assert.match(
    result.stderr[0],
    new RegExp(`^The queue "${queue.replaceAll(".", "\\.")}" does not exist in vhost "/"`),
  );
  await assert.rejects(withChannel((channel) => channel.checkQueue(queue)), /NOT_FOUND/);
});

test("get_message.ts refuses two different queue names with exit code 2", async () => {
  const result = await getMessage(["one", "--queue", "two"]);
  assertExit(result, 2);
  assert.deepEqual(result.stderr, ['Two queues given, "one" and --queue "two"; give one']);
});
