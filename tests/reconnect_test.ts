import assert from "node:assert/strict";
import { restartBroker } from "../tools/lib/broker.ts";
import {
  cannotRestartReason,
  closeConnectionsConsuming,
  deleteExchanges,
  deleteQueues,
  ENV,
  eventually,
  newTask,
  Program,
  runTask,
  startReady,
  stopThenClean,
  testName,
  uniqueName,
  URL,
  waitForDepth,
  WAITING,
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

Deno.test({
  name: testName(
    "worker.ts reconnects after a broker restart and does every task: in progress, queued, and sent after",
    noRestart,
  ),
  ignore: noRestart !== undefined,
  async fn() {
    const queue = uniqueName("task_queue");
    const worker = await start("worker", ["--queue", queue]);
    try {
      await newTask(queue, "in progress...");
      await worker.waitFor("[x] Received 'in progress...'");
      await newTask(queue, "queued.");

      await restartBroker(URL);
      await worker.waitFor(LOST, { stream: "stderr" });
      await worker.waitFor(BACK, { stream: "stderr", timeoutMs: 60_000 });
      await newTask(queue, "sent after.");
      await worker.waitFor("[x] Received 'sent after.'", { timeoutMs: 30_000 });
      await worker.waitFor("[x] Done", {
        count: worker.stdout.filter((l) => l.includes("Received")).length,
      });
    } finally {
      assert.equal(await worker.stop(), 0);
    }
    try {
      // Stopped: anything not acked would be back in the queue.
      await waitForDepth(queue, 0);
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
    } finally {
      await deleteQueues(queue);
    }
  },
});

Deno.test({
  name: testName(
    "receive.ts reconnects after a broker restart and receives again from its quorum queue",
    noRestart,
  ),
  ignore: noRestart !== undefined,
  async fn() {
    const queue = uniqueName("hello");
    const receiver = await start("receive", ["--queue", queue]);
    try {
      await restartBroker(URL);
      await receiver.waitFor(BACK, { stream: "stderr", timeoutMs: 60_000 });
      const sent = await runTask("send", ["--queue", queue, "after the restart"], { env: ENV });
      assert.equal(sent.code, 0);
      await receiver.waitFor("[x] Received 'after the restart'");
    } finally {
      await stopThenClean(receiver, () => deleteQueues(queue));
    }
  },
});

Deno.test({
  name: testName(
    "receive_logs.ts re-creates its exclusive queue and binding after a broker restart",
    noRestart,
  ),
  ignore: noRestart !== undefined,
  async fn() {
    const exchange = uniqueName("logs");
    const subscriber = await Program.start("receive_logs", ["--exchange", exchange], { env: ENV });
    const emit = async (message: string) => {
      const result = await runTask("emit_log", ["--exchange", exchange, message], { env: ENV });
      assert.equal(result.code, 0, result.stderr.join("\n"));
    };
    try {
      await subscriber.waitFor("[*] Waiting for logs");
      await emit("before the restart");
      await subscriber.waitFor("[x] before the restart");

      // The restart deletes the exclusive queue and the non-durable exchange.
      await restartBroker(URL);
      await subscriber.waitFor(BACK, { stream: "stderr", timeoutMs: 60_000 });
      await emit("after the restart");
      await subscriber.waitFor("[x] after the restart");
    } finally {
      await stopThenClean(subscriber, () => deleteExchanges(exchange));
    }
  },
});

Deno.test("worker.ts reconnects when the broker closes its connection, and goes on working", async () => {
  const queue = uniqueName("task_queue");
  const worker = await start("worker", ["--queue", queue]);
  try {
    await killConnection(queue);
    await worker.waitFor(LOST, { stream: "stderr" });
    await worker.waitFor(BACK, { stream: "stderr" });
    await newTask(queue, "after the kill");
    await worker.waitFor("[x] Done");
  } finally {
    await stopThenClean(worker, () => deleteQueues(queue));
  }
});

Deno.test("worker.ts --no-reconnect exits 1 with one sentence when the broker closes its connection", async () => {
  const queue = uniqueName("task_queue");
  const worker = await start("worker", ["--queue", queue, "--no-reconnect"]);
  try {
    await killConnection(queue);
    assert.equal(await worker.exited, 1);
    assert.equal(worker.stderr.length, 1, JSON.stringify(worker.stderr));
    assert.match(
      worker.stderr[0],
      /^The broker at "amqp[^"]*" closed the connection: CONNECTION_FORCED/,
    );
  } finally {
    await worker.stop();
    await deleteQueues(queue);
  }
});
