import assert from "node:assert/strict";
import { WAITING } from "../tools/lib/ready_lines.ts";
import {
  assertExit,
  ENV,
  getOne,
  runTask,
  startReady,
  stopped,
  test,
  testQueue,
  waitForDepth,
  withChannel,
} from "./_helpers.ts";

function startReceiver(queue: string) {
  return startReady("receive", ["--queue", queue], WAITING);
}

test("send.ts delivers exactly the sent message to receive.ts", async () => {
  await using queue = testQueue("hello");
  await using receiver = await startReceiver(queue.name);
  const sent = await runTask("send", ["--queue", queue.name, "Hello from the test"], {
    env: ENV,
  });
  assertExit(sent, 0);
  assert.deepEqual(sent.stdout, [" [x] Sent 'Hello from the test'"]);
  await receiver.waitFor("[x] Received");
  assertExit(await stopped(receiver), 0);
  assert.deepEqual(receiver.stdout, [WAITING, " [x] Received 'Hello from the test'"]);
  assert.deepEqual(receiver.stderr, []);
});

test("send.ts sends 'Hello World!' by default", async () => {
  await using queue = testQueue("hello");
  const sent = await runTask("send", ["--queue", queue.name], { env: ENV });
  assertExit(sent, 0);
  assert.deepEqual(sent.stdout, [" [x] Sent 'Hello World!'"]);
  await waitForDepth(queue.name, 1);
  const message = await getOne(queue.name);
  assert.ok(message, "the queue holds the message");
  assert.equal(message.content.toString(), "Hello World!");
});

test("send.ts and receive.ts use a queue declared as the official tutorials declare it (durable, quorum)", async () => {
  await using queue = testQueue("hello");
  // The declaration of python/send.py and javascript-nodejs/src/send.js in rabbitmq-tutorials.
  await withChannel((channel) =>
    channel.assertQueue(queue.name, { durable: true, arguments: { "x-queue-type": "quorum" } })
  );
  await using receiver = await startReceiver(queue.name);
  assertExit(await runTask("send", ["--queue", queue.name], { env: ENV }), 0);
  await receiver.waitFor(" [x] Received 'Hello World!'");
  assertExit(await stopped(receiver), 0);
  assert.deepEqual(receiver.stderr, []);
});

test("receive.ts gets N messages for N sends, each once", async () => {
  await using queue = testQueue("hello");
  const messages = ["one", "two", "three", "four", "five"];
  await using receiver = await startReceiver(queue.name);
  for (const message of messages) {
    assertExit(await runTask("send", ["--queue", queue.name, message], { env: ENV }), 0);
  }
  await receiver.waitFor("[x] Received", { count: messages.length });
  assertExit(await stopped(receiver), 0);
  const received = receiver.stdout.filter((line) => line.includes("[x] Received"));
  assert.deepEqual(received, messages.map((message) => ` [x] Received '${message}'`));
});

test("receive.ts exits 0 on SIGTERM", async () => {
  await using queue = testQueue("hello");
  await using receiver = await startReceiver(queue.name);
  assertExit(await stopped(receiver, "SIGTERM"), 0);
});
