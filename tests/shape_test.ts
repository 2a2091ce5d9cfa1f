/**
 * The tutorial programs read like the official ones (rabbitmq-tutorials,
 * javascript-nodejs/src): the amqplib calls a learner came for appear in
 * the program's own file, in the official order, as plain calls to copy;
 * each file has a header saying what it shows and how to run it, and stays
 * short. No broker needed: this reads the files.
 */
import assert from "node:assert/strict";
import { test } from "./_helpers.ts";

const CONNECT = ["amqp.connect(url, socketOptions(url))"];

/** Each program, and the calls its file must make, in this order. */
const SHAPES: Record<string, string[]> = {
  send: [...CONNECT, ".createChannel()", ".assertQueue(", ".sendToQueue("],
  receive: [...CONNECT, ".createChannel()", ".assertQueue(", ".consume("],
  new_task: [
    ...CONNECT,
    ".createConfirmChannel()",
    ".assertQueue(",
    ".sendToQueue(",
    "persistent: true",
  ],
  worker: [
    ...CONNECT,
    ".createChannel()",
    ".assertQueue(",
    ".prefetch(1)",
    ".consume(",
    ".ack(msg)",
  ],
  emit_log: [...CONNECT, ".createChannel()", ".assertExchange(", ".publish("],
  receive_logs: [
    ...CONNECT,
    ".createChannel()",
    ".assertExchange(",
    ".assertQueue(",
    ".bindQueue(",
    ".consume(",
  ],
  emit_log_direct: [...CONNECT, ".createChannel()", ".assertExchange(", ".publish("],
  receive_logs_direct: [
    ...CONNECT,
    ".createChannel()",
    ".assertExchange(",
    ".assertQueue(",
    ".bindQueue(",
    ".consume(",
  ],
  emit_log_topic: [...CONNECT, ".createChannel()", ".assertExchange(", ".publish("],
  receive_logs_topic: [
    ...CONNECT,
    ".createChannel()",
    ".assertExchange(",
    ".assertQueue(",
    ".bindQueue(",
    ".consume(",
  ],
  rpc_server: [
    ...CONNECT,
    ".createChannel()",
    ".assertQueue(",
    ".prefetch(1)",
    ".consume(",
    ".sendToQueue(",
    ".ack(msg)",
  ],
  rpc_client: [...CONNECT, ".createChannel()", ".assertQueue(", ".consume(", ".sendToQueue("],
  // Like the official Java program: the three strategies are functions, above the main part.
  publisher_confirms: [".publish(", ...CONNECT, ".createConfirmChannel()", ".assertQueue("],
  emit_post: [...CONNECT, ".createChannel()", ".assertExchange(", ".publish("],
  receive_posts: [
    ...CONNECT,
    ".createChannel()",
    ".assertExchange(",
    ".assertQueue(",
    ".bindQueue(",
    ".consume(",
  ],
  get_message: [...CONNECT, ".createChannel()", ".get(", ".ack(msg)"],
};

/** The official program's length (javascript-nodejs/src, 2026): ours stays under 45 lines where it is under 35. */
const OFFICIAL_LINES: Record<string, number> = {
  send: 26,
  receive: 25,
  new_task: 27,
  worker: 32,
  emit_log: 24,
  receive_logs: 30,
  emit_log_direct: 26,
  emit_log_topic: 26,
};

for (const [program, calls] of Object.entries(SHAPES)) {
  test(`scripts/${program}.ts makes the tutorial's amqplib calls itself, in the official order`, async () => {
    const source = await Deno.readTextFile(new URL(`../scripts/${program}.ts`, import.meta.url));
    let from = 0;
    for (const call of calls) {
      const at = source.indexOf(call, from);
      assert.ok(at >= 0, `"${call}" after position ${from} in scripts/${program}.ts`);
      from = at + call.length;
    }
    assert.match(source, /^\/\*\*\n \* .+/, "a header comment first");
    assert.match(source, /\n \* Run: +deno task /, "the header says how to run it");
    const official = OFFICIAL_LINES[program];
    if (official !== undefined && official < 35) {
      const lines = source.trimEnd().split("\n").length;
      assert.ok(lines < 45, `scripts/${program}.ts has ${lines} lines (official: ${official})`);
    }
  });
}

test("the pretend work is inline in the worker: one second per dot", async () => {
  const source = await Deno.readTextFile(new URL("../scripts/worker.ts", import.meta.url));
  assert.match(source, /task\.split\("\."\)\.length - 1/);
  assert.match(source, /setTimeout\(resolve, seconds \* 1000\)/);
});
