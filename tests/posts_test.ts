import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import type { Options } from "amqplib";
import { WAITING_POSTS } from "../tools/lib/ready_lines.ts";
import {
  assertExit,
  ENV,
  type Program,
  runTask,
  startReady,
  stopped,
  test,
  testExchange,
  withChannel,
} from "./_helpers.ts";

const UTF8_AUTHOR = "MicroJoe UTF-8 Æ¢V→−≠É–È„⋅®…";

function startReceiver(exchange: string) {
  return startReady("receive_posts", ["--exchange", exchange], WAITING_POSTS);
}

/** Publishes a raw message to the exchange, as another program (e.g. the article's Python) would. */
async function publishRaw(exchange: string, body: string, options: Options.Publish = {}) {
  await withChannel(async (channel) => {
    channel.publish(exchange, "", Buffer.from(body, "utf8"), options);
    await channel.close(); // waits until the broker has it
  });
}

const received = (receiver: Program) =>
  receiver.stdout.filter((line) => line.startsWith(" [x] Received"));

test("emit_post.ts sends a UTF-8 JSON post that receive_posts.ts prints intact, date as a Date", async () => {
  await using exchange = testExchange("reddit");
  await using receiver = await startReceiver(exchange.name);
  // A queue of the test's own on the same fanout exchange, to look at the raw message.
  const { sent, raw } = await withChannel(async (channel) => {
    const { queue } = await channel.assertQueue("", { exclusive: true });
    await channel.bindQueue(queue, exchange.name, "");
    const sent = await runTask(
      "emit_post",
      ["--exchange", exchange.name, "--author", UTF8_AUTHOR, "Ünïcode — ok"],
      { env: ENV },
    );
    return { sent, raw: await channel.get(queue, { noAck: true }) };
  });
  assertExit(sent, 0);
  assert.equal(sent.stdout.length, 1);
  const json = sent.stdout[0].match(/^ \[x\] Sent (\{.*\})$/)?.[1];
  assert.ok(json, sent.stdout[0]);

  assert.ok(raw);
  assert.equal(raw.properties.contentType, "application/json");
  assert.equal(raw.content.toString("utf8"), json);
  const post = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(raw.content));
  assert.deepEqual(Object.keys(post), ["name", "date", "author"]);
  assert.equal(post.author, UTF8_AUTHOR);
  assert.equal(post.name, "Ünïcode — ok");
  assert.match(post.date, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  assert.ok(Math.abs(new Date(post.date).getTime() - Date.now()) < 60_000, post.date);

  const [line] = await receiver.waitFor("[x] Received");
  // Deno.inspect shows a Date unquoted, a string quoted: the date was turned into a Date.
  assert.equal(
    line,
    ` [x] Received { name: "Ünïcode — ok", date: ${post.date}, author: "${UTF8_AUTHOR}" }`,
  );
  assertExit(await stopped(receiver), 0);
  assert.deepEqual(receiver.stderr, []);
});

test("receive_posts.ts skips an invalid message with one stderr line and keeps receiving", async () => {
  await using exchange = testExchange("reddit");
  await using receiver = await startReceiver(exchange.name);
  const json = { contentType: "application/json" };
  await publishRaw(exchange.name, "this is { not JSON", json);
  await publishRaw(
    exchange.name,
    JSON.stringify({ name: "a", date: "yesterday", author: "b" }),
    json,
  );
  await publishRaw(exchange.name, JSON.stringify({ name: "a", author: "b" }), json);
  await publishRaw(
    exchange.name,
    JSON.stringify({ name: "a", date: "2025-13-45", author: "b" }),
    json,
  );
  await publishRaw(exchange.name, "<post/>", { contentType: "text/xml" });
  // As the article's own programs send it: no content type, Python's isoformat() date.
  await publishRaw(
    exchange.name,
    JSON.stringify({ name: "still here", date: "2017-01-15T15:33:59.123456", author: "py" }),
  );
  await receiver.waitFor("[x] Received");
  // stderr is read separately from stdout: wait for its lines too.
  await receiver.waitFor("Skipped a message", { count: 5, stream: "stderr" });
  assert.deepEqual(received(receiver), [
    ' [x] Received { name: "still here", date: 2017-01-15T15:33:59.123Z, author: "py" }',
  ]);
  assert.deepEqual(receiver.stderr, [
    `Skipped a message from "${exchange.name}": it is not valid JSON: "this is { not JSON"`,
    `Skipped a message from "${exchange.name}": its date "yesterday" is not an ISO 8601 date`,
    `Skipped a message from "${exchange.name}": its date undefined is not an ISO 8601 date`,
    `Skipped a message from "${exchange.name}": its date "2025-13-45" is not an ISO 8601 date`,
    `Skipped a message from "${exchange.name}": its content type is "text/xml", not "application/json"`,
  ]);
});

test('emit_post.ts declares a non-durable fanout exchange, "reddit" by default', async () => {
  await using exchange = testExchange("reddit");
  const sent = await runTask("emit_post", ["--exchange", exchange.name], { env: ENV });
  assertExit(sent, 0);
  assert.match(
    sent.stdout[0],
    /^ \[x\] Sent \{"name":"Hello from RabbitMQ","date":"[^"]+","author":"MicroJoe"\}$/,
  );
  await withChannel((channel) =>
    channel.assertExchange(exchange.name, "fanout", { durable: false })
  );
  for (const task of ["emit_post", "receive_posts"]) {
    const help = await runTask(task, ["--help"], { env: ENV });
    assert.ok(help.stdout.some((line) => /--exchange EXCHANGE .*\(default: reddit\)/.test(line)));
  }
});
