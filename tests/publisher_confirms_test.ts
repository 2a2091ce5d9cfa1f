import assert from "node:assert/strict";
import { brokerCtl } from "../tools/lib/broker.ts";
import {
  assertExit,
  atExit,
  BROKER_URL,
  cannotRestartReason,
  ended,
  ENV,
  Program,
  queueState,
  runTask,
  test,
  testExchange,
  testName,
  uniqueName,
  withChannel,
} from "./_helpers.ts";

const STRATEGY_QUEUES = ["individually", "batch", "async"];

/** The three lines of the tutorial, in order, for `count` messages. */
function publishedLines(count: string): RegExp[] {
  return [
    new RegExp(`^Published ${count} messages individually in [\\d,]+ ms$`),
    new RegExp(`^Published ${count} messages in batch in [\\d,]+ ms$`),
    new RegExp(`^Published ${count} messages and handled confirms asynchronously in [\\d,]+ ms$`),
  ];
}

function assertLines(lines: string[], patterns: RegExp[]) {
  assert.equal(lines.length, patterns.length, JSON.stringify(lines));
  patterns.forEach((pattern, i) => assert.match(lines[i], pattern));
}

async function assertQueuesGone(prefix: string) {
  for (const name of STRATEGY_QUEUES) {
    assert.equal(await queueState(`${prefix}.${name}`), "missing", `${prefix}.${name} is gone`);
  }
}

test("publisher_confirms.ts publishes 2,000 messages three ways, prints the tutorial's lines, exits 0 and leaves no queue", async () => {
  const prefix = uniqueName("publisher_confirms");
  const result = await runTask("publisher_confirms", ["--count", "2000", "--queue", prefix], {
    env: ENV,
  });
  assertExit(result, 0);
  assertLines(result.stdout, publishedLines("2,000"));
  assert.deepEqual(result.stderr, []);
  await assertQueuesGone(prefix);
});

test("publisher_confirms.ts reports the messages the broker nacks (full queue, reject-publish) and exits 1", async () => {
  const prefix = uniqueName("publisher_confirms");
  const result = await runTask("publisher_confirms", [
    "--count",
    "2000",
    "--max-length",
    "1500",
    "--queue",
    prefix,
  ], { env: ENV });
  assertExit(result, 1);
  assertLines(result.stdout, publishedLines("2,000"));
  // Each strategy, the asynchronous one included, counts the 500 messages that did not fit.
  const nacked = " [!] The broker nacked 500 messages (1501, 1502, ... 2000): it did not take them";
  assert.deepEqual(result.stderr, [nacked, nacked, nacked]);
  await assertQueuesGone(prefix);
});

/**
 * Runs publisher_confirms --count 3 with `args` through a fresh direct
 * exchange that no queue is bound to, then deletes the exchange.
 */
async function throughUnboundExchange(args: string[]) {
  const prefix = uniqueName("publisher_confirms");
  await using exchange = testExchange("unbound");
  await withChannel((channel) =>
    channel.assertExchange(exchange.name, "direct", { durable: false })
  );
  const result = await runTask("publisher_confirms", [
    "--count",
    "3",
    "--exchange",
    exchange.name,
    "--queue",
    prefix,
    ...args,
  ], { env: ENV });
  return { result, prefix, exchange: exchange.name };
}

test("publisher_confirms.ts --mandatory reports the messages an unbound exchange returns, and exits 1", async () => {
  const { result, prefix, exchange } = await throughUnboundExchange(["--mandatory"]);
  assertExit(result, 1);
  assertLines(result.stdout, publishedLines("3"));
  assert.deepEqual(
    result.stderr,
    STRATEGY_QUEUES.map((name) =>
      ` [!] 3 messages (1, 2, 3) came back unroutable, though confirmed (312 NO_ROUTE: exchange "${exchange}", routing key "${prefix}.${name}")`
    ),
  );
  await assertQueuesGone(prefix);
});

test("publisher_confirms.ts without --mandatory finds confirmed messages missing from the queue, and exits 1", async () => {
  const { result, prefix } = await throughUnboundExchange([]);
  assertExit(result, 1);
  assertLines(result.stdout, publishedLines("3"));
  assert.deepEqual(
    result.stderr,
    STRATEGY_QUEUES.map((name) =>
      ` [!] The queue "${prefix}.${name}" holds 0 messages, expected 3; publish with --mandatory to have unroutable messages returned`
    ),
  );
});

/** rabbitmqctl -q on the test broker (the local node, `$RABBITMQCTL`'s, or the compose service's). */
async function ctl(...args: string[]): Promise<string> {
  return (await brokerCtl(BROKER_URL, ["-q", ...args])).trim();
}

/**
 * The set_vm_memory_high_watermark arguments that restore the watermark the
 * broker reports: `0.4`, `{relative,0.6}` or `{absolute,1073741824}`.
 */
function restoreArgs(reported: string): string[] {
  const match = reported.match(/^\{?(relative|absolute)?,?\s*"?([\d.]+\w*)"?\}?$/);
  if (!match) throw new Error(`Unexpected memory watermark "${reported}"`);
  return match[1] === "absolute" ? ["absolute", match[2]] : [match[2]];
}

// The memory alarm reconfigures the broker: only one this project started (or RABBITMQCTL names).
const noCtl = await cannotRestartReason();

/**
 * Runs publisher_confirms with `args` while a memory alarm blocks every
 * publishing connection (no confirm comes, and the broker stops reading what
 * is published, until it clears); returns its exit code and output.
 */
async function duringMemoryAlarm(prefix: string, args: string[]) {
  const watermark = restoreArgs(
    await ctl("eval", "vm_memory_monitor:get_vm_memory_high_watermark()."),
  );
  await ctl("set_vm_memory_high_watermark", "0.000001");
  await using _restored = atExit(() => ctl("set_vm_memory_high_watermark", ...watermark));
  const program = await Program.start("publisher_confirms", [...args, "--queue", prefix], {
    env: ENV,
  });
  // Should the program wait forever, end it (and fail) rather than wait with it.
  return await ended(program, 15_000);
}

test({
  name: testName(
    "publisher_confirms.ts reports an unconfirmed message and exits 1 when the broker stops confirming (memory alarm)",
    noCtl,
  ),
  ignore: noCtl !== undefined,
  async fn() {
    const prefix = uniqueName("publisher_confirms");
    const result = await duringMemoryAlarm(prefix, ["--count", "10", "--timeout", "500"]);
    assertExit(result, 1);
    assert.deepEqual(result.stdout, []);
    assert.deepEqual(result.stderr, [" [!] No confirm within 500 ms for 1 message (1); giving up"]);
    await assertQueuesGone(prefix);
  },
});

test({
  name: testName(
    "publisher_confirms.ts --strategy async gives up after --timeout when the blocked broker stops reading (no drain)",
    noCtl,
  ),
  ignore: noCtl !== undefined,
  async fn() {
    const prefix = uniqueName("publisher_confirms");
    // Far more than the socket buffers hold: publish returns false and waits for a drain
    // that a blocked broker never lets happen.
    const result = await duringMemoryAlarm(prefix, [
      "--strategy",
      "async",
      "--count",
      "500000",
      "--timeout",
      "1000",
    ]);
    assertExit(result, 1);
    assert.deepEqual(result.stdout, []);
    assert.equal(result.stderr.length, 1, JSON.stringify(result.stderr));
    const [, count, last] = result.stderr[0].match(
      /^ \[!\] No confirm within 1,000 ms for ([\d,]+) messages \(1, 2, \.\.\. (\d+)\); giving up$/,
    ) ?? assert.fail(result.stderr[0]);
    // Stopped publishing part way, with every message it had published still unconfirmed.
    assert.equal(Number(count.replaceAll(",", "")), Number(last));
    assert.ok(Number(last) < 500_000, last);
    await assertQueuesGone(prefix);
  },
});

test("publisher_confirms.ts runs only the strategy --strategy names", async () => {
  const prefix = uniqueName("publisher_confirms");
  const result = await runTask("publisher_confirms", [
    "--strategy",
    "batch",
    "--count",
    "300",
    "--queue",
    prefix,
  ], { env: ENV });
  assertExit(result, 0);
  assertLines(result.stdout, [/^Published 300 messages in batch in [\d,]+ ms$/]);
  await assertQueuesGone(prefix);
});

test("publisher_confirms.ts refuses a count of 0 with a usage error", async () => {
  const result = await runTask("publisher_confirms", ["--count", "0"], { env: ENV });
  assertExit(result, 2);
  assert.match(
    result.stderr[0],
    /^Invalid value for --count: "0" is not a whole number of at least 1/,
  );
});

test("publisher_confirms.ts refuses an unknown --strategy with a usage error", async () => {
  const result = await runTask("publisher_confirms", ["--strategy", "sync"], { env: ENV });
  assertExit(result, 2);
  assert.deepEqual(result.stderr, [
    'Invalid value for --strategy: "sync" is not one of individually, batch, async',
  ]);
  assert.deepEqual(result.stdout, []);
});
