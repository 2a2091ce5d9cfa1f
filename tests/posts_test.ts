import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import amqp, { type Options } from "amqplib";
import { WAITING_POSTS } from "../tools/lib/ready_lines.ts";
import {
  assertExit,
  assertOneLineError,
  atExit,
  BROKER_URL,
  ENV,
  eventually,
  type Program,
  runTask,
  startReady,
  stopped,
  test,
  testExchange,
  uniqueName,
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

/** A post as the test's queue got it, and when (performance.now()). */
interface Got {
  name: string;
  date: string;
  messageId: string;
  at: number;
}

/**
 * A fanout exchange of the test's own and a queue bound to it, deleted at
 * scope exit; `consume()` records every post as it arrives, `depth()` says
 * how many wait in the queue.
 */
async function postsQueue() {
  const exchange = uniqueName("reddit");
  const queue = uniqueName("posts");
  const connection = await amqp.connect(BROKER_URL, { noDelay: true });
  const channel = await connection.createChannel();
  await channel.assertExchange(exchange, "fanout", { durable: false });
  await channel.assertQueue(queue, { durable: false });
  await channel.bindQueue(queue, exchange, "");
  const got: Got[] = [];
  return Object.assign(
    atExit(async () => {
      await channel.deleteQueue(queue);
      await channel.deleteExchange(exchange);
      await connection.close();
    }),
    {
      exchange,
      got,
      depth: async () => (await channel.checkQueue(queue)).messageCount,
      consume: () =>
        channel.consume(queue, (msg) => {
          if (!msg) return;
          const { name, date } = JSON.parse(msg.content.toString("utf8"));
          got.push({ name, date, messageId: msg.properties.messageId, at: performance.now() });
        }, { noAck: true }),
    },
  );
}

/** Waits until the consumer has `count` posts. */
async function receivedPosts(got: Got[], count: number): Promise<void> {
  await eventually(`${count} post(s) received`, () => Promise.resolve(got.length >= count));
}

const SENT_LINE = /^ \[x\] Sent \{"name":"[^"]*","date":"[^"]+","author":"[^"]*"\}$/;

test("emit_post.ts --count N sends exactly N posts, named NAME 1 to NAME N, each with its own message id", async () => {
  await using posts = await postsQueue();
  const sent = await runTask("emit_post", ["--exchange", posts.exchange, "--count", "5", "Post"], {
    env: ENV,
  });
  assertExit(sent, 0);
  assert.equal(sent.stdout.filter((line) => SENT_LINE.test(line)).length, 5);
  assert.equal(sent.stdout.at(-1), " [*] Sent 5 post(s)");
  assert.equal(sent.stdout.length, 6);
  // Exited: everything it published is in the queue (the broker routes it before the close).
  assert.equal(await posts.depth(), 5);
  await posts.consume();
  await receivedPosts(posts.got, 5);
  assert.deepEqual(posts.got.map((post) => post.name), [
    "Post 1",
    "Post 2",
    "Post 3",
    "Post 4",
    "Post 5",
  ]);
  assert.equal(new Set(posts.got.map((post) => post.messageId)).size, 5);
});

test("emit_post.ts --rate R sends R posts a second: 11 posts at 10/s take 1 s, not all at once", async () => {
  await using posts = await postsQueue();
  await posts.consume();
  const sent = await runTask(
    "emit_post",
    ["--exchange", posts.exchange, "--count", "11", "--rate", "10"],
    { env: ENV },
  );
  assertExit(sent, 0);
  await receivedPosts(posts.got, 11);
  // Ten intervals of 100 ms: 1 s from the first to the last, by the posts' own dates (the
  // program's clock) and as they reached the test's queue. Sent at once, they would take a few ms.
  const dates = posts.got.map((post) => new Date(post.date).getTime());
  const byDate = dates.at(-1)! - dates[0];
  const byArrival = posts.got.at(-1)!.at - posts.got[0].at;
  assert.ok(byDate >= 950 && byDate <= 1_500, `${byDate} ms between the first and last dates`);
  assert.ok(byArrival >= 900, `${Math.round(byArrival)} ms between the first and last arrivals`);
  // Evenly: the median interval is the rate's 100 ms (robust to a stall the program catches up on).
  const gaps = dates.slice(1).map((date, i) => date - dates[i]).toSorted((a, b) => a - b);
  const median = gaps[Math.floor(gaps.length / 2)];
  assert.ok(median >= 80 && median <= 120, `intervals ${gaps.join(", ")} ms`);
});

test("emit_post.ts stopped by Ctrl+C mid-way exits 0, says how many it sent, and the queue got exactly those", async () => {
  await using posts = await postsQueue();
  await using emitting = await startReady(
    "emit_post",
    ["--exchange", posts.exchange, "--count", "1000", "--rate", "20", "Post"],
    (program) => program.waitFor(SENT_LINE, { count: 5 }),
  );
  const result = await stopped(emitting);
  assertExit(result, 0);
  const sentLines = result.stdout.filter((line) => SENT_LINE.test(line));
  assert.equal(result.stdout.at(-1), ` [*] Stopped: sent ${sentLines.length} of 1000 post(s)`);
  assert.ok(sentLines.length >= 5 && sentLines.length < 1000, `${sentLines.length} sent`);
  assert.deepEqual(result.stderr, []);
  // Nothing lost, nothing more: the connection was closed after the last post it printed.
  assert.equal(await posts.depth(), sentLines.length);
  await posts.consume();
  await receivedPosts(posts.got, sentLines.length);
  assert.deepEqual(
    posts.got.map((post) => post.name),
    sentLines.map((_, i) => `Post ${i + 1}`),
  );
});

test("emit_post.ts: a --count or --rate that is not a whole number of at least 1 is one line and exit code 2", async () => {
  for (const [flag, value] of [["--count", "0"], ["--rate", "0"], ["--rate", "fast"]]) {
    await assertOneLineError("emit_post", [flag, value], {
      code: 2,
      message: new RegExp(
        `^Invalid value for ${flag}: "${value}" is not a whole number of at least 1$`,
      ),
    });
  }
});
