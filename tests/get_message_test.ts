import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { deleteQueues, ENV, runTask, uniqueName, waitForDepth, withChannel } from "./_helpers.ts";

async function getMessage(args: string[]) {
  return await runTask("get_message", args, { env: ENV });
}

Deno.test("get_message.ts takes one message off the queue, prints it and acks it", async () => {
  const queue = uniqueName("hello");
  await withChannel(async (channel) => {
    await channel.assertQueue(queue, { durable: true });
    for (const text of ["first", "second"]) channel.sendToQueue(queue, Buffer.from(text));
    await channel.close();
  });
  try {
    await waitForDepth(queue, 2);
    const first = await getMessage([queue]);
    assert.equal(first.code, 0, first.stderr.join("\n"));
    assert.deepEqual(first.stdout, [
      " [x] Received 'first'",
      ` [*] 1 more message(s) in "${queue}"`,
    ]);
    // Acked: the broker removed it, and the program left no consumer behind.
    await waitForDepth(queue, 1);
    const { consumerCount } = await withChannel((channel) => channel.checkQueue(queue));
    assert.equal(consumerCount, 0);

    const second = await getMessage(["--queue", queue]);
    assert.deepEqual(second.stdout, [
      " [x] Received 'second'",
      ` [*] 0 more message(s) in "${queue}"`,
    ]);
    await waitForDepth(queue, 0);
  } finally {
    await deleteQueues(queue);
  }
});

Deno.test("get_message.ts says the queue is empty and exits 0", async () => {
  const queue = uniqueName("hello");
  await withChannel((channel) => channel.assertQueue(queue, { durable: true }));
  try {
    const result = await getMessage([queue]);
    assert.equal(result.code, 0);
    assert.deepEqual(result.stdout, [` [*] The queue "${queue}" is empty`]);
    assert.deepEqual(result.stderr, []);
  } finally {
    await deleteQueues(queue);
  }
});

Deno.test("get_message.ts on a missing queue prints one sentence and exits 1, creating nothing", async () => {
  const queue = uniqueName("missing");
  const result = await getMessage([queue]);
  assert.equal(result.code, 1);
  assert.deepEqual(result.stdout, []);
  assert.equal(result.stderr.length, 1);
  assert.match(
    result.stderr[0],
    new RegExp(`^The queue "${queue.replaceAll(".", "\\.")}" does not exist in vhost "/"`),
  );
  await assert.rejects(withChannel((channel) => channel.checkQueue(queue)), /NOT_FOUND/);
});

Deno.test("get_message.ts refuses two different queue names with exit code 2", async () => {
  const result = await getMessage(["one", "--queue", "two"]);
  assert.equal(result.code, 2);
  assert.deepEqual(result.stderr, ['Two queues given, "one" and --queue "two"; give one']);
});
