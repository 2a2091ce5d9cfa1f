/**
 * The tutorial programs read like the official ones (rabbitmq-tutorials,
 * javascript-nodejs/src): the amqplib calls a learner came for appear in
 * the program's own code (not in a comment or a string), in the official
 * order, as plain calls to copy; each file has a header saying what it
 * shows and how to run it, and stays short. No broker needed: this parses
 * the files (with `deno lint`'s parser).
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
  // Direct Reply-To, as the official rpc_client.js: no reply queue to declare.
  rpc_client: [...CONNECT, ".createChannel()", ".consume(REPLY_TO", ".sendToQueue("],
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

/**
 * The calls and object properties of a TypeScript file, in the order they
 * start, as source text: `channel.ack(msg)` (with `.ack(msg)`, from the
 * method's dot, for a method call) or `persistent: true`. Comments and
 * strings are not code, so nothing in them is found.
 */
function codeParts(file: string, source: string): string[][] {
  const parts: { at: number; texts: string[] }[] = [];
  const text = (from: number, to: number) => source.slice(from, to);
  const plugin: Deno.lint.Plugin = {
    name: "shape",
    rules: {
      parts: {
        create: () => ({
          CallExpression(node) {
            const [from, to] = node.range;
            const { callee } = node;
            const texts = [text(from, to)];
            if (callee.type === "MemberExpression" && !callee.computed) {
              texts.push(`.${text(callee.property.range[0], to)}`);
            }
            parts.push({ at: from, texts });
          },
          Property(node) {
            parts.push({ at: node.range[0], texts: [text(...node.range)] });
          },
        }),
      },
    },
  };
  Deno.lint.runPlugin(plugin, file, source);
  return parts.sort((a, b) => a.at - b.at).map((part) => part.texts);
}

for (const [program, calls] of Object.entries(SHAPES)) {
  test(`scripts/${program}.ts makes the tutorial's amqplib calls itself, in the official order`, async () => {
    const file = `scripts/${program}.ts`;
    const source = await Deno.readTextFile(new URL(`../${file}`, import.meta.url));
    const parts = codeParts(file, source);
    let from = 0;
    for (const call of calls) {
      const at = parts.findIndex((texts, i) =>
        i >= from && texts.some((text) => text.startsWith(call))
      );
      assert.ok(
        at >= 0,
        `"${call}" in the code of ${file}, after ${parts[from - 1]?.[0] ?? "none"}`,
      );
      from = at + 1;
    }
    assert.match(source, /^\/\*\*\n \* .+/, "a header comment first");
    assert.match(source, /\n \* Run: +deno task /, "the header says how to run it");
    const official = OFFICIAL_LINES[program];
    if (official !== undefined && official < 35) {
      const lines = source.trimEnd().split("\n").length;
      assert.ok(lines < 45, `${file} has ${lines} lines (official: ${official})`);
    }
  });
}
