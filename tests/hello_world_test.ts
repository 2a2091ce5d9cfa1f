import assert from "node:assert/strict";
import {
  deleteQueues,
  ENV,
  getOne,
  Program,
  runTask,
  startReady,
  stopThenClean,
  uniqueName,
  waitForDepth,
  WAITING,
  withChannel,
} from "./_helpers.ts";

Deno.test("send.ts delivers exactly the sent message to receive.ts", async () => {
  const queue = uniqueName("hello");
  const receiver = await Program.start("receive", ["--queue", queue], { env: ENV });
  try {
    await receiver.waitFor(WAITING);
    const sent = await runTask("send", ["--queue", queue, "Hello from the test"], { env: ENV });
    assert.equal(sent.code, 0);
    assert.deepEqual(sent.stdout, [" [x] Sent 'Hello from the test'"]);
    await receiver.waitFor("[x] Received");
  } finally {
    await stopThenClean(receiver, () => deleteQueues(queue));
  }
  assert.deepEqual(receiver.stdout, [WAITING, " [x] Received 'Hello from the test'"]);
  assert.deepEqual(receiver.stderr, []);
});

Deno.test("send.ts sends 'Hello World!' by default", async () => {
  const queue = uniqueName("hello");
  try {
    const sent = await runTask("send", ["--queue", queue], { env: ENV });
    assert.equal(sent.code, 0, sent.stderr.join("\n"));
    assert.deepEqual(sent.stdout, [" [x] Sent 'Hello World!'"]);
    await waitForDepth(queue, 1);
    const message = await getOne(queue);
    assert.ok(message, "the queue holds the message");
    assert.equal(message.content.toString(), "Hello World!");
  } finally {
    await deleteQueues(queue);
  }
});

Deno.test("send.ts and receive.ts use a queue declared as the official tutorials declare it (durable, quorum)", async () => {
  const queue = uniqueName("hello");
  // The declaration of python/send.py and javascript-nodejs/src/send.js in rabbitmq-tutorials.
  await withChannel((channel) =>
    channel.assertQueue(queue, { durable: true, arguments: { "x-queue-type": "quorum" } })
  );
  try {
    const receiver = await startReady("receive", ["--queue", queue], WAITING);
    try {
      const sent = await runTask("send", ["--queue", queue], { env: ENV });
      assert.equal(sent.code, 0, sent.stderr.join("\n"));
      await receiver.waitFor(" [x] Received 'Hello World!'");
    } finally {
      assert.equal(await receiver.stop(), 0);
    }
    assert.deepEqual(receiver.stderr, []);
  } finally {
    await deleteQueues(queue);
  }
});

Deno.test("receive.ts gets N messages for N sends, each once", async () => {
  const queue = uniqueName("hello");
  const messages = ["one", "two", "three", "four", "five"];
  const receiver = await Program.start("receive", ["--queue", queue], { env: ENV });
  try {
    await receiver.waitFor(WAITING);
    for (const message of messages) {
      assert.equal((await runTask("send", ["--queue", queue, message], { env: ENV })).code, 0);
    }
    await receiver.waitFor("[x] Received", { count: messages.length });
  } finally {
    await stopThenClean(receiver, () => deleteQueues(queue));
  }
  const received = receiver.stdout.filter((line) => line.includes("[x] Received"));
  assert.deepEqual(received, messages.map((message) => ` [x] Received '${message}'`));
});

Deno.test("receive.ts exits 0 on SIGTERM", async () => {
  const queue = uniqueName("hello");
  const receiver = await Program.start("receive", ["--queue", queue], { env: ENV });
  try {
    await receiver.waitFor(WAITING);
  } finally {
    assert.equal(await receiver.stop("SIGTERM"), 0);
    await deleteQueues(queue);
  }
});
