import assert from "node:assert/strict";
import { restartBroker } from "../tools/lib/broker.ts";
import { WAITING, WAITING_LOGS } from "../tools/lib/ready_lines.ts";
import {
  assertExit,
  BROKER_URL,
  cannotRestartReason,
  closeConnectionsConsuming,
  ended,
  ENV,
  eventually,
  newTask,
  runTask,
  startReady,
  stopped,
  test,
  testExchange,
  testName,
  testQueue,
  waitForDepth,
} from "./_helpers.ts";

const LOST = /^Lost the connection to "amqp[^"]*" \(.+\); reconnecting$/;
const BACK = /^Reconnected to "amqp[^"]*"$/;

function start(task: string, args: string[]) {
  return startReady(task, args, WAITING);
}

/** Closes the connection consuming `queue` from the broker's side, once the broker lists it. */
async function killConnection(queue: string) {
  await eventually(
    `the broker lists a consumer of "${queue}"`,
    async () => (await closeConnectionsConsuming(queue)) > 0,
  );
}

const noRestart = await cannotRestartReason();

test({
  name: testName(
    "worker.ts reconnects after a broker restart and does every task: in progress, queued, and sent after",
    noRestart,
  ),
  ignore: noRestart !== undefined,
  async fn() {
    await using queue = testQueue("task_queue");
    await using worker = await start("worker", ["--queue", queue.name]);
    await newTask(queue.name, "in progress...");
    await worker.waitFor("[x] Received 'in progress...'");
    await newTask(queue.name, "queued.");

    await restartBroker(BROKER_URL);
    await worker.waitFor(LOST, { stream: "stderr" });
    await worker.waitFor(BACK, { stream: "stderr", timeoutMs: 60_000 });
    await newTask(queue.name, "sent after.");
    await worker.waitFor("[x] Received 'sent after.'", { timeoutMs: 30_000 });
    await worker.waitFor("[x] Done", {
      count: worker.stdout.filter((l) => l.includes("Received")).length,
    });
    assertExit(await stopped(worker), 0);

    // Stopped: anything not acked would be back in the queue.
    await waitForDepth(queue.name, 0);
    const received = worker.stdout.filter((line) => line.includes("[x] Received"));
    for (const task of ["in progress...", "queued.", "sent after."]) {
      const first = received.filter((line) => line === ` [x] Received '${task}'`);
      assert.equal(first.length, 1, `"${task}" was delivered fresh exactly once: ${received}`);
    }
    const again = received.filter((line) => line.endsWith("(redelivered)"));
    assert.ok(
      again.every((line) => line === " [x] Received 'in progress...' (redelivered)"),
      `only the task in progress comes back: ${again}`,
    );
  },
});

test({
  name: testName(
    "receive.ts reconnects after a broker restart and receives again from its quorum queue",
    noRestart,
  ),
  ignore: noRestart !== undefined,
  async fn() {
    await using queue = testQueue("hello");
    await using receiver = await start("receive", ["--queue", queue.name]);
    await restartBroker(BROKER_URL);
    await receiver.waitFor(BACK, { stream: "stderr", timeoutMs: 60_000 });
    const sent = await runTask("send", ["--queue", queue.name, "after the restart"], { env: ENV });
    assertExit(sent, 0);
    await receiver.waitFor("[x] Received 'after the restart'");
  },
});

test({
  name: testName(
    "receive_logs.ts re-creates its exclusive queue and binding after a broker restart",
    noRestart,
  ),
  ignore: noRestart !== undefined,
  async fn() {
    await using exchange = testExchange("logs");
    await using subscriber = await startReady(
      "receive_logs",
      ["--exchange", exchange.name],
      WAITING_LOGS,
    );
    const emit = async (message: string) => {
      const result = await runTask("emit_log", ["--exchange", exchange.name, message], {
        env: ENV,
      });
      assertExit(result, 0);
    };
    await emit("before the restart");
    await subscriber.waitFor("[x] before the restart");

    // The restart deletes the exclusive queue and the non-durable exchange.
    await restartBroker(BROKER_URL);
    await subscriber.waitFor(BACK, { stream: "stderr", timeoutMs: 60_000 });
    await emit("after the restart");
    await subscriber.waitFor("[x] after the restart");
  },
});

test("worker.ts reconnects when the broker closes its connection, and goes on working", async () => {
  await using queue = testQueue("task_queue");
  await using worker = await start("worker", ["--queue", queue.name]);
  await killConnection(queue.name);
  await worker.waitFor(LOST, { stream: "stderr" });
  await worker.waitFor(BACK, { stream: "stderr" });
  await newTask(queue.name, "after the kill");
  await worker.waitFor("[x] Done");
});

test("worker.ts --no-reconnect exits 1 with one sentence when the broker closes its connection", async () => {
  await using queue = testQueue("task_queue");
  await using worker = await start("worker", ["--queue", queue.name, "--no-reconnect"]);
  await killConnection(queue.name);
  assertExit(await ended(worker), 1);
  assert.equal(worker.stderr.length, 1, JSON.stringify(worker.stderr));
  assert.match(
    worker.stderr[0],
    /^The broker at "amqp[^"]*" closed the connection: CONNECTION_FORCED/,
  );
});
