import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import amqp from "amqplib";
import { WAITING_LOGS } from "../tools/lib/ready_lines.ts";
import {
  assertExit,
  assertOneLineError,
  BROKER_URL,
  closeConnectionsConsuming,
  ENV,
  eventually,
  type Program,
  queuesBoundTo,
  runTask,
  startReady,
  stopped,
  test,
  testExchange,
  withChannel,
} from "./_helpers.ts";

function startReceiver(exchange: string) {
  return startReady("receive_logs", ["--exchange", exchange], WAITING_LOGS);
}

async function emitLog(exchange: string, message?: string) {
  const result = await runTask(
    "emit_log",
    ["--exchange", exchange, ...(message ? [message] : [])],
    { env: ENV },
  );
  assertExit(result, 0);
  return result;
}

const logs = (receiver: Program) => receiver.stdout.filter((line) => line.startsWith(" [x] "));

test("receive_logs.ts: two subscribers both get every message; a later one gets only later messages", async () => {
  await using exchange = testExchange("logs");
  await using first = await startReceiver(exchange.name);
  await using second = await startReceiver(exchange.name);
  const early = [first, second];
  const sent = await emitLog(exchange.name, "info: first");
  assert.deepEqual(sent.stdout, [" [x] Sent 'info: first'"]);
  await emitLog(exchange.name, "warning: second");
  for (const receiver of early) await receiver.waitFor("[x] warning: second");

  await using late = await startReceiver(exchange.name);
  await emitLog(exchange.name, "error: third");
  for (const receiver of [...early, late]) await receiver.waitFor("[x] error: third");

  for (const receiver of early) {
    assert.deepEqual(logs(receiver), [
      " [x] info: first",
      " [x] warning: second",
      " [x] error: third",
    ]);
  }
  // Messages go to the queues bound at the time they are sent: none kept them for the late one.
  assert.deepEqual(logs(late), [" [x] error: third"]);
  for (const receiver of [...early, late]) assertExit(await stopped(receiver), 0);
  for (const receiver of [...early, late]) assert.deepEqual(receiver.stderr, []);
});

test("emit_log.ts sends 'info: Hello World!' by default to a non-durable fanout exchange", async () => {
  await using exchange = testExchange("logs");
  await using receiver = await startReceiver(exchange.name);
  const sent = await emitLog(exchange.name);
  assert.deepEqual(sent.stdout, [" [x] Sent 'info: Hello World!'"]);
  await receiver.waitFor("[x] info: Hello World!");
  // Declaring it again with the tutorial's arguments succeeds only if they are equal.
  await withChannel((channel) =>
    channel.assertExchange(exchange.name, "fanout", { durable: false })
  );
});

test("receive_logs.ts's queue is bound while it runs and gone once it stops", async () => {
  await using exchange = testExchange("logs");
  await using receiver = await startReceiver(exchange.name);
  assert.equal(await routed(exchange.name, "info: probe"), true);
  await receiver.waitFor("[x] info: probe");
  assertExit(await stopped(receiver), 0);
  // Exclusive: the broker deletes the queue with the connection, so nothing keeps the logs.
  await eventually(
    "no queue is bound to the exchange",
    async () => !(await routed(exchange.name, "x")),
  );
});

test("receive_logs.ts binds a new queue after the broker closes its connection, and receives again", async () => {
  await using exchange = testExchange("logs");
  await using receiver = await startReceiver(exchange.name);
  const [queue] = await queuesBoundTo(exchange.name);
  await eventually(
    `the broker lists a consumer of "${queue}"`,
    async () => (await closeConnectionsConsuming(queue)) > 0,
  );
  await receiver.waitFor(/^Lost the connection to /, { stream: "stderr" });
  await receiver.waitFor(/^Reconnected to /, { stream: "stderr", timeoutMs: 30_000 });
  // Its old exclusive queue went with the old connection; the new one is bound again.
  await eventually(
    "a queue is bound to the exchange again",
    () => routed(exchange.name, "info: probe"),
  );
  await receiver.waitFor("[x] info: probe");
  await emitLog(exchange.name, "info: after the reconnect");
  await receiver.waitFor("[x] info: after the reconnect");
});

test("emit_log.ts on one of the broker's own amq.* exchanges says to use another name, not to delete it", async () => {
  await assertOneLineError("emit_log", ["--exchange", "amq.direct"], {
    code: 1,
    message:
      /^The exchange "amq\.direct" already exists with type "direct", but this program declares it with type "fanout"; it is one of the broker's own, so use another name$/,
  });
});

test("emit_log.ts and receive_logs.ts refuse an exchange declared durable elsewhere, naming the argument", async () => {
  await using exchange = testExchange("logs");
  // amqplib's own default: assertExchange declares durable exchanges.
  await withChannel((channel) => channel.assertExchange(exchange.name, "fanout"));
  for (const task of ["emit_log", "receive_logs"]) {
    const result = await runTask(task, ["--exchange", exchange.name], { env: ENV });
    assertExit(result, 1);
    assert.deepEqual(result.stderr, [
      `The exchange "${exchange.name}" already exists with durable "true", but this program declares it with durable "false"; delete the exchange with the management UI (Exchanges tab) and run again, or use another name`,
    ]);
  }
});

for (const task of ["emit_log", "receive_logs"]) {
  test(`${task}.ts --help names the --exchange flag and the default exchange "logs"`, async () => {
    const result = await runTask(task, ["--help"], { env: ENV });
    assertExit(result, 0);
    assert.ok(result.stdout.some((line) => /--exchange EXCHANGE .*\(default: logs\)/.test(line)));
  });
}

/** Publishes with the mandatory flag: false when no queue is bound to take the message. */
async function routed(exchange: string, message: string): Promise<boolean> {
  const connection = await amqp.connect(BROKER_URL);
  try {
    const channel = await connection.createConfirmChannel();
    let returned = false;
    channel.on("return", () => returned = true);
    channel.publish(exchange, "", Buffer.from(message), { mandatory: true });
    // The broker sends basic.return before the confirm of an unroutable message.
    await channel.waitForConfirms();
    return !returned;
  } finally {
    await connection.close();
  }
}
