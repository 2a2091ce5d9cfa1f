/**
 * README.md's troubleshooting table matches the programs (issue 23, item
 * 5): each row's situation is made for real against the test broker (a port
 * nothing listens on, the management port, a wrong password, a missing
 * vhost, a queue declared otherwise, ...), and the sentence the program
 * prints on stderr must start as one of the row's first cell's `code`
 * spans says, where `…` stands for any text (a URL, a name) and a lone `N`
 * for a number. Every row of the table is one situation here: a new row
 * without its situation fails, and so does a row whose sentence the
 * programs no longer print. Queues and exchanges are the test's own (or in
 * a vhost of the test's own where the row names the tutorial's).
 */
import assert from "node:assert/strict";
import amqp from "amqplib";
import { Buffer } from "node:buffer";
import { managementUrl } from "../lib/management.ts";
import { AWAITING_RPC, WAITING, WAITING_POSTS } from "../tools/lib/ready_lines.ts";
import {
  atExit,
  BROKER_URL,
  brokerVersionAt,
  ended,
  ENV,
  freePort,
  runTask,
  startReady,
  test,
  testExchange,
  testName,
  testQueue,
  testVhost,
  uniqueName,
  urlWith,
  waitForConsumers,
  withChannel,
} from "./_helpers.ts";

const README = await Deno.readTextFile(new URL("../README.md", import.meta.url));

/** The table's rows: the first cell's `code` spans, as patterns. */
const ROWS = (() => {
  const section = README.split("\n## Troubleshooting\n")[1]?.split("\n## ")[0] ?? "";
  const rows = section.split("\n").filter((line) => line.startsWith("| "));
  // The header, its separator, then the rows.
  return rows.slice(2).map((row) => {
    const cell = row.split(" | ")[0].slice(2).trim();
    const spans = [...cell.matchAll(/`([^`]+)`/g)].map((match) => match[1]);
    return { cell, patterns: spans.map(pattern) };
  });
})();

/** A cell's span as a pattern of a sentence's start: `…` any text, a lone `N` a number. */
function pattern(span: string): RegExp {
  const escaped = span.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
    .replaceAll("…", ".*?")
    .replace(/(?<=^| )N(?= )/g, "\\d+");
  return new RegExp(`^${escaped}`);
}

/** The row whose first cell contains `key`: exactly one. */
function row(key: string) {
  const found = ROWS.filter((row) => row.cell.includes(key));
  assert.equal(found.length, 1, `one row of the troubleshooting table contains ${key}`);
  return found[0];
}

/** Runs a program that must fail with one sentence on stderr and a non-zero exit code. */
async function failure(
  task: string,
  args: string[],
  env: Record<string, string> = ENV,
): Promise<string> {
  const result = await runTask(task, args, { env });
  const what = ["deno task", task, ...args].join(" ");
  assert.notEqual(result.code, 0, `${what} fails`);
  assert.equal(result.stderr.length, 1, `${what}: one line on stderr: ${result.stderr}`);
  return result.stderr[0];
}

/** A queue declared transient and not exclusive: refused by RabbitMQ 4.3 by default. */
async function transientRefused(): Promise<boolean> {
  const queue = uniqueName("transient");
  try {
    await withChannel((channel) => channel.assertQueue(queue, { durable: false }));
    await withChannel((channel) => channel.deleteQueue(queue));
    return false;
  } catch (error) {
    if (/transient_nonexcl_queues|non-durable|transient/i.test(String(error))) return true;
    throw error;
  }
}
const TRANSIENT_REFUSED = await transientRefused();
/** A broker that refuses transient shared queues: the test broker, else CI's strict 4.x node. */
const STRICT_URL = TRANSIENT_REFUSED ? BROKER_URL : Deno.env.get("RABBITMQ4_BARE_URL");
const VERSION = await brokerVersionAt();
const OLD_FOR_STREAMS = Number(VERSION.split(".")[0]) === 3 && Number(VERSION.split(".")[1]) < 11;

interface Situation {
  /** A text of the row's first cell that no other row has. */
  row: string;
  /** Why this broker cannot show it, if it cannot. */
  skip?: string;
  /** Makes the situation; resolves with the sentences printed, each to match the row. */
  make: () => Promise<string[]>;
}

const SITUATIONS: Situation[] = [
  {
    row: "connection refused",
    make: async () => [await failure("send", ["--url", `amqp://127.0.0.1:${freePort()}`])],
  },
  {
    row: "host not found",
    make: async () => [await failure("send", ["--url", "amqp://no-such-host.invalid"])],
  },
  {
    row: "refused the login",
    make: async () => [
      await failure("send", ["--url", urlWith((url) => url.password = "not-the-password")]),
    ],
  },
  {
    row: "refused access to vhost",
    make: async () => [
      await failure("send", ["--url", urlWith((url) => url.pathname = `/${uniqueName("none")}`)]),
    ],
  },
  {
    row: 'with durable "false", but this program declares it with durable "true"',
    skip: TRANSIENT_REFUSED
      ? `RabbitMQ ${VERSION} here refuses the transient queue it needs (the row below, run instead)`
      : undefined,
    make: async () => {
      await using queue = testQueue("hello");
      await withChannel((channel) => channel.assertQueue(queue.name, { durable: false }));
      return [await failure("send", ["--queue", queue.name])];
    },
  },
  {
    row: 'with x-queue-type "classic"',
    make: async () => {
      await using queue = testQueue("hello");
      await withChannel((channel) => channel.assertQueue(queue.name, { durable: true }));
      return [await failure("send", ["--queue", queue.name])];
    },
  },
  {
    row: "is exclusive to another connection",
    make: async () => {
      await using queue = testQueue("hello");
      const connection = await amqp.connect(BROKER_URL);
      await using _closed = atExit(() => connection.close());
      const channel = await connection.createChannel();
      await channel.assertQueue(queue.name, { exclusive: true });
      return [await failure("send", ["--queue", queue.name])];
    },
  },
  {
    row: "the server closed the connection during the handshake",
    make: async () => {
      const port = new URL(managementUrl(BROKER_URL)).port; // the management UI's, 15672 by default
      return [await failure("send", ["--url", urlWith((url) => url.port = port)])];
    },
  },
  {
    row: "(in another program)",
    make: async () => {
      // The tutorial's own "hello", in a vhost of the test's own; amqplib as older code uses it.
      await using vhost = await testVhost();
      const sent = await runTask("send", [], { env: vhost.env });
      assert.equal(sent.code, 0, `deno task send: ${sent.stderr}`);
      const older = withChannel(
        (channel) => channel.assertQueue("hello", { durable: false }),
        vhost.url,
      );
      const error = await older.then(() => undefined, (error: Error) => error);
      assert.ok(error, "older tutorial code declaring hello non-durable is refused");
      return [error.message]; // amqplib's: Channel closed by server: 406 (PRECONDITION-FAILED) ...
    },
  },
  {
    row: "was deleted, so the broker stopped this consumer",
    make: async () => {
      await using queue = testQueue("hello");
      await using receive = await startReady("receive", ["--queue", queue.name], WAITING);
      await waitForConsumers(queue.name);
      await withChannel((channel) => channel.deleteQueue(queue.name));
      const result = await ended(receive);
      assert.notEqual(result.code, 0, "the consumer exits with an error");
      return result.stderr;
    },
  },
  {
    row: "Empty value for --queue",
    make: async () => [await failure("send", ["--queue", ""])],
  },
  {
    row: '`The queue "…" does not exist`',
    make: async () => [await failure("get_message", [uniqueName("missing")])],
  },
  {
    row: "refuses non-durable queues that are not exclusive",
    skip: STRICT_URL
      ? undefined
      : `RabbitMQ ${VERSION} here permits transient queues (the row above is run instead), and no strict 4.x node is beside it (RABBITMQ4_BARE_URL unset)`,
    make: async () => {
      await using queue = testQueue("awesome_queue"); // refused: never created
      return [await failure("lab:1:send", ["--url", STRICT_URL!, "--queue", queue.name])];
    },
  },
  {
    row: 'The exchange "…" already exists with durable "true"',
    make: async () => {
      await using exchange = testExchange("logs");
      await withChannel((channel) => channel.assertExchange(exchange.name, "fanout"));
      return [await failure("emit_log", ["--exchange", exchange.name])];
    },
  },
  {
    row: "Missing arguments",
    make: async () => [
      await failure("receive_logs_direct", []),
      await failure("receive_logs_topic", []),
    ],
  },
  {
    row: "bytes long, but AMQP allows at most 255 bytes",
    make: async () => [await failure("emit_log_topic", ["k".repeat(256)])],
  },
  {
    row: "No server answered",
    make: async () => {
      // The tutorial's own "rpc_queue", in a vhost of the test's own where no server runs.
      await using vhost = await testVhost();
      return [await failure("rpc_client", ["--timeout", "1", "10"], vhost.env)];
    },
  },
  {
    row: "The server refused fib(",
    make: async () => {
      await using queue = testQueue("rpc_queue");
      await using server = await startReady("rpc_server", ["--queue", queue.name], AWAITING_RPC);
      const client = await failure("rpc_client", ["--queue", queue.name, "20000"]);
      await server.waitFor("Refused a request", { stream: "stderr" });
      return [client, ...server.stderr];
    },
  },
  {
    row: "Invalid n",
    make: async () => [await failure("rpc_client", ["thirty"])],
  },
  {
    row: "Skipped a message from",
    make: async () => {
      // The exchange "reddit" of the row, in a vhost of the test's own.
      await using vhost = await testVhost();
      await using receive = await startReady("receive_posts", [], WAITING_POSTS, {
        env: vhost.env,
      });
      await withChannel(
        (channel) => Promise.resolve(channel.publish("reddit", "", Buffer.from("not json"))),
        vhost.url,
      );
      await receive.waitFor("Skipped a message", { stream: "stderr" });
      return receive.stderr;
    },
  },
  {
    row: "Two queues given",
    make: async () => [await failure("get_message", ["--queue", "one", "two"])],
  },
  {
    row: "but the stream client needs RabbitMQ 3.11 or later",
    skip: OLD_FOR_STREAMS ? undefined : `RabbitMQ ${VERSION} here has streams`,
    make: async () => [await failure("stream:send", [])],
  },
  {
    row: "Unknown option",
    make: async () => [await failure("send", ["--no-such-option"])],
  },
];

test("every row of README.md's troubleshooting table is a situation of this file", () => {
  assert.ok(ROWS.length >= 20, `the table has its rows (found ${ROWS.length})`);
  for (const { cell, patterns } of ROWS) {
    assert.ok(patterns.length > 0, `the row "${cell}" shows its sentence in code`);
  }
  const made = SITUATIONS.map((situation) => row(situation.row));
  const unmade = ROWS.filter((row) => !made.includes(row)).map((row) => row.cell);
  assert.deepEqual(unmade, [], "rows no situation makes");
});

for (const situation of SITUATIONS) {
  test({
    name: testName(`README troubleshooting: ${situation.row}`, situation.skip),
    ignore: situation.skip !== undefined,
    fn: async () => {
      const { cell, patterns } = row(situation.row);
      const sentences = await situation.make();
      assert.ok(sentences.length > 0, "the situation printed a sentence");
      for (const sentence of sentences) {
        assert.ok(
          patterns.some((pattern) => pattern.test(sentence)),
          `The table says ${cell}\nbut the program printed: ${sentence}`,
        );
      }
    },
  });
}
