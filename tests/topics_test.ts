import assert from "node:assert/strict";
import {
  deleteExchanges,
  ENV,
  Program,
  runTask,
  startReady,
  stopThenClean,
  uniqueName,
  WAITING_LOGS,
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
  const exchange = uniqueName("topic_logs");
  const receivers: Record<string, Program> = {};
  try {
    for (const [name, keys] of Object.entries(table.receivers)) {
      receivers[name] = await startReceiver(exchange, keys);
    }
    for (const [key] of [...table.deliveries, [table.last]]) {
      const result = await emit(exchange, [key, `to ${key}`]);
      assert.equal(result.code, 0, result.stderr.join("\n"));
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
  } finally {
    await stopThenClean(Object.values(receivers), () => deleteExchanges(exchange));
  }
  for (const receiver of Object.values(receivers)) assert.deepEqual(receiver.stderr, []);
}

Deno.test("receive_logs_topic.ts matches the tutorial's table: *.orange.*, *.*.rabbit, lazy.#", async () => {
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

Deno.test("receive_logs_topic.ts matches the lab's stock example: *.usa.*, *.*.rub, stock.#", async () => {
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

Deno.test("emit_log_topic.ts sends 'anonymous.info' 'Hello World!' by default to a non-durable topic exchange", async () => {
  const exchange = uniqueName("topic_logs");
  const receiver = await startReceiver(exchange, ["#"]);
  try {
    const result = await emit(exchange, []);
    assert.deepEqual(result.stdout, [" [x] Sent 'anonymous.info':'Hello World!'"]);
    await receiver.waitFor("[x] 'anonymous.info':'Hello World!'");
    await withChannel((channel) => channel.assertExchange(exchange, "topic", { durable: false }));
  } finally {
    await stopThenClean(receiver, () => deleteExchanges(exchange));
  }
});

Deno.test("emit_log_topic.ts refuses a routing key over 255 bytes before sending anything", async () => {
  const exchange = uniqueName("topic_logs");
  const receiver = await startReceiver(exchange, ["#"]);
  try {
    for (const key of ["a".repeat(256), "é".repeat(128)]) { // 256 bytes of UTF-8 each
      const refused = await emit(exchange, [key, "too long"]);
      assert.equal(refused.code, 2);
      assert.deepEqual(refused.stdout, []);
      assert.equal(refused.stderr.length, 1);
      assert.match(
        refused.stderr[0],
        /^The routing key ".*…" is 256 bytes long, but AMQP allows at most 255 bytes; use a shorter one$/,
      );
    }
    // 255 bytes is fine; it is sent after the refused ones, so they would have arrived first.
    const longest = "b".repeat(255);
    assert.equal((await emit(exchange, [longest, "just fits"])).code, 0);
    await receiver.waitFor("just fits");
    assert.deepEqual(logs(receiver), [` [x] '${longest}':'just fits'`]);
  } finally {
    await stopThenClean(receiver, () => deleteExchanges(exchange));
  }
});

Deno.test("receive_logs_topic.ts with no binding key prints the usage on stderr and exits 1", async () => {
  const result = await runTask("receive_logs_topic", [], { env: ENV });
  assert.equal(result.code, 1);
  assert.equal(result.stderr.length, 1);
  assert.match(
    result.stderr[0],
    /^Missing arguments: expected \[binding_key\]\.\.\. Usage: deno task receive_logs_topic/,
  );
});

for (const task of ["emit_log_topic", "receive_logs_topic"]) {
  Deno.test(`${task}.ts --help names the --exchange flag and the default exchange "topic_logs"`, async () => {
    const result = await runTask(task, ["--help"], { env: ENV });
    assert.equal(result.code, 0);
    assert.ok(
      result.stdout.some((line) => /--exchange EXCHANGE .*\(default: topic_logs\)/.test(line)),
    );
  });
}
