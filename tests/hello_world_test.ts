import assert from "node:assert/strict";
import { deleteQueues, ENV, Program, runTask, uniqueName, WAITING } from "./_helpers.ts";

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
    assert.equal(await receiver.stop(), 0);
    await deleteQueues(queue);
  }
  assert.deepEqual(receiver.stdout, [WAITING, " [x] Received 'Hello from the test'"]);
  assert.deepEqual(receiver.stderr, []);
});

Deno.test("send.ts sends 'Hello World!' by default", async () => {
  const queue = uniqueName("hello");
  try {
    const sent = await runTask("send", ["--queue", queue], { env: ENV });
    assert.deepEqual(sent.stdout, [" [x] Sent 'Hello World!'"]);
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
    assert.equal(await receiver.stop(), 0);
    await deleteQueues(queue);
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
