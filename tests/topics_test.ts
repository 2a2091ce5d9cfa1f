import assert from "node:assert/strict";
import { WAITING_LOGS } from "../tools/lib/ready_lines.ts";
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

function startReceiver(exchange: string, bindingKeys: string[]) {
  return startReady("receive_logs_topic", ["--exchange", exchange, ...bindingKeys], WAITING_LOGS);
}

async function emit(exchange: string, args: string[]) {
  return await runTask("emit_log_topic", ["--exchange", exchange, ...args], { env: ENV });
}

const logs = (receiver: Program) => receiver.stdout.filter((line) => line.startsWith(" [x] "));

interface Table {
  /** Each receiver's binding keys, by a short name. */
  receivers: Record<string, string[]>;
  /** Each routing key sent, and the receivers that must get it (all others must not). */
  deliveries: [string, string[]][];
  /** A routing key every receiver matches: sent last, its arrival means all the others arrived. */
  last: string;
}

/**
 * Sends every routing key of the table in order, then `last`; once every
 * receiver has `last`, checks that each got exactly its expected keys, each
 * once, in order, and nothing else.
 */
async function checkTable(table: Table) {
  await using exchange = testExchange("topic_logs");
  await using started = new AsyncDisposableStack();
  const receivers: Record<string, Program> = {};
  for (const [name, keys] of Object.entries(table.receivers)) {
    receivers[name] = started.use(await startReceiver(exchange.name, keys));
  }
  for (const [key] of [...table.deliveries, [table.last]]) {
    const result = await emit(exchange.name, [key, `to ${key}`]);
    assertExit(result, 0);
    assert.deepEqual(result.stdout, [` [x] Sent '${key}':'to ${key}'`]);
  }
  for (const receiver of Object.values(receivers)) {
    await receiver.waitFor(`[x] '${table.last}'`);
  }
  for (const [name, receiver] of Object.entries(receivers)) {
    const expected = table.deliveries
      .filter(([, names]) => names.includes(name))
      .map(([key]) => key)
      .concat(table.last)
      .map((key) => ` [x] '${key}':'to ${key}'`);
    assert.deepEqual(
      logs(receiver),
      expected,
      `receiver ${name} bound to ${table.receivers[name]}`,
    );
  }
  for (const receiver of Object.values(receivers)) assertExit(await stopped(receiver), 0);
  for (const receiver of Object.values(receivers)) assert.deepEqual(receiver.stderr, []);
}

test("receive_logs_topic.ts matches the tutorial's table: *.orange.*, *.*.rabbit, lazy.#", async () => {
  await checkTable({
    receivers: {
      orange: ["*.orange.*"],
      rabbit: ["*.*.rabbit"],
      lazy: ["lazy.#"],
      // The tutorial's Q2: two bindings on one queue, a message matching both arrives once.
      Q2: ["*.*.rabbit", "lazy.#"],
    },
    deliveries: [
      ["quick.orange.rabbit", ["orange", "rabbit", "Q2"]],
      ["lazy.orange.elephant", ["orange", "lazy", "Q2"]],
      ["quick.orange.fox", ["orange"]],
      ["lazy.brown.fox", ["lazy", "Q2"]],
      ["quick.brown.fox", []],
      ["quick.orange.male.rabbit", []], // four words: "*" is exactly one word
      ["lazy.orange.male.rabbit", ["lazy", "Q2"]], // "#" is any number of words
      ["orange", []],
      ["lazy", ["lazy", "Q2"]], // "#" matches zero words too
    ],
    last: "lazy.orange.rabbit",
  });
});

test("receive_logs_topic.ts matches the lab's stock example: *.usa.*, *.*.rub, stock.#", async () => {
  await checkTable({
    receivers: { usa: ["*.usa.*"], rub: ["*.*.rub"], stock: ["stock.#"] },
    deliveries: [
      ["stock.usa.usd", ["usa", "stock"]],
      ["bond.usa.rub", ["usa", "rub"]],
      ["bond.moex.rub", ["rub"]],
      ["stock.moex.rub", ["rub", "stock"]],
      ["stock.lse.gbp", ["stock"]],
      ["bond.lse.gbp", []],
      ["commodity.usa.usd", ["usa"]],
      ["option.usa.usd.weekly", []], // four words: "*.usa.*" needs exactly three
    ],
    last: "stock.usa.rub",
  });
});

test("emit_log_topic.ts sends 'anonymous.info' 'Hello World!' by default to a non-durable topic exchange", async () => {
  await using exchange = testExchange("topic_logs");
  await using receiver = await startReceiver(exchange.name, ["#"]);
  const result = await emit(exchange.name, []);
  assert.deepEqual(result.stdout, [" [x] Sent 'anonymous.info':'Hello World!'"]);
  await receiver.waitFor("[x] 'anonymous.info':'Hello World!'");
  await withChannel((channel) =>
    channel.assertExchange(exchange.name, "topic", { durable: false })
  );
});

test("emit_log_topic.ts refuses a routing key over 255 bytes before sending anything", async () => {
  await using exchange = testExchange("topic_logs");
  await using receiver = await startReceiver(exchange.name, ["#"]);
  for (const key of ["a".repeat(256), "é".repeat(128)]) { // 256 bytes of UTF-8 each
    const refused = await emit(exchange.name, [key, "too long"]);
    assertExit(refused, 2);
    assert.deepEqual(refused.stdout, []);
    assert.equal(refused.stderr.length, 1);
    assert.match(
      refused.stderr[0],
      /^The routing key ".*…" is 256 bytes long, but AMQP allows at most 255 bytes; use a shorter one$/,
    );
  }
  // 255 bytes is fine; it is sent after the refused ones, so they would have arrived first.
  const longest = "b".repeat(255);
  assertExit(await emit(exchange.name, [longest, "just fits"]), 0);
  await receiver.waitFor("just fits");
  assert.deepEqual(logs(receiver), [` [x] '${longest}':'just fits'`]);
});

test("receive_logs_topic.ts with no binding key prints the usage on stderr and exits 1", async () => {
  const result = await runTask("receive_logs_topic", [], { env: ENV });
  assertExit(result, 1);
  assert.equal(result.stderr.length, 1);
  assert.match(
    result.stderr[0],
    /^Missing arguments: expected \[binding_key\]\.\.\. Usage: deno task receive_logs_topic/,
  );
});

for (const task of ["emit_log_topic", "receive_logs_topic"]) {
  test(`${task}.ts --help names the --exchange flag and the default exchange "topic_logs"`, async () => {
    const result = await runTask(task, ["--help"], { env: ENV });
    assertExit(result, 0);
    assert.ok(
      result.stdout.some((line) => /--exchange EXCHANGE .*\(default: topic_logs\)/.test(line)),
    );
  });
}
