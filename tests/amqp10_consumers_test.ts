/**
 * The AMQP 1.0 consumers as long-running programs: the worker's one credit
 * (fair dispatch), a task requeued when its worker is killed or stopped
 * mid-task, Ctrl+C through `deno task` detaching the links and closing the
 * connection on the wire, and a consumer coming back after a broker
 * restart. RabbitMQ 4.x only.
 */
import assert from "node:assert/strict";
import { restartBroker } from "../tools/lib/broker.ts";
import { AWAITING_RPC, WAITING, WAITING_LOGS } from "../tools/lib/ready_lines.ts";
import {
  cannotRestartReason,
  deleteExchanges,
  deleteQueues,
  ENV,
  getOne,
  Program,
  runTask,
  startReady,
  stopThenClean,
  testName,
  uniqueName,
  URL,
  waitForDepth,
} from "./_helpers.ts";
import { startFrameProxy } from "./peers/amqp10/frame_proxy.ts";
import { amqp10Test, NO_AMQP10 } from "./peers/amqp10/support.ts";

function startWorker(queue: string) {
  return startReady("amqp10:worker", ["--queue", queue], WAITING);
}

async function newTask(queue: string, task: string) {
  const result = await runTask("amqp10:new_task", ["--queue", queue, task], { env: ENV });
  assert.equal(result.code, 0, result.stderr.join("\n"));
}

const received = (worker: Program) => worker.stdout.filter((line) => line.includes("[x] Received"));

amqp10Test(
  "amqp10:worker: with one credit, the free worker takes the short tasks while the other works",
  async () => {
    const queue = uniqueName("task_queue");
    const workers = [await startWorker(queue), await startWorker(queue)];
    try {
      await newTask(queue, "long....");
      const busy = await Promise.any(
        workers.map((worker) => worker.waitFor("[x] Received 'long....'").then(() => worker)),
      );
      const free = workers.find((worker) => worker !== busy)!;
      for (const task of ["short 1", "short 2", "short 3"]) await newTask(queue, task);
      await free.waitFor("[x] Done", { count: 3 });
      assert.deepEqual(received(busy), [" [x] Received 'long....'"]);
      assert.ok(!busy.stdout.includes(" [x] Done"), "the long task is still in progress");
      assert.deepEqual(received(free), [
        " [x] Received 'short 1'",
        " [x] Received 'short 2'",
        " [x] Received 'short 3'",
      ]);
      await busy.waitFor("[x] Done");
    } finally {
      await stopThenClean(workers, () => deleteQueues(queue));
    }
  },
);

amqp10Test(
  "amqp10:worker killed mid-task: the unsettled task goes to the other worker, redelivered",
  async () => {
    const queue = uniqueName("task_queue");
    const first = await startWorker(queue);
    let second: Program | undefined;
    try {
      await newTask(queue, "doomed...");
      await first.waitFor("[x] Received 'doomed...'");
      second = await startWorker(queue);
      first.kill("SIGKILL");
      await first.exited;
      await second.waitFor("[x] Done");
      assert.deepEqual(received(second), [" [x] Received 'doomed...' (redelivered)"]);
      await waitForDepth(queue, 0);
    } finally {
      await first.stop("SIGKILL");
      await stopThenClean(second ? [second] : [], () => deleteQueues(queue));
    }
  },
);

amqp10Test(
  "amqp10:worker: Ctrl+C mid-task exits 0 and the task goes back to the queue",
  async () => {
    const queue = uniqueName("task_queue");
    const worker = await startWorker(queue);
    try {
      await newTask(queue, "interrupted.....");
      await worker.waitFor("[x] Received 'interrupted.....'");
      assert.equal(await worker.stop("SIGINT"), 0);
      assert.ok(!worker.stdout.includes(" [x] Done"));
      assert.deepEqual(worker.stderr, []);
      await waitForDepth(queue, 1);
      const msg = await getOne(queue);
      assert.ok(msg);
      assert.equal(msg.content.toString(), "interrupted.....");
      assert.equal(msg.fields.redelivered, true);
    } finally {
      await worker.stop();
      await deleteQueues(queue);
    }
  },
);

/** The long-running programs, and the links each attaches: the management pair, its receiver (and the RPC server's sender for replies). */
const CONSUMERS = [
  { task: "amqp10:receive", ready: WAITING, flag: "--queue", links: 3 },
  { task: "amqp10:worker", ready: WAITING, flag: "--queue", links: 3 },
  { task: "amqp10:rpc_server", ready: AWAITING_RPC, flag: "--queue", links: 4 },
  { task: "amqp10:receive_logs", ready: WAITING_LOGS, flag: "--exchange", links: 3 },
  {
    task: "amqp10:receive_logs_direct",
    ready: WAITING_LOGS,
    flag: "--exchange",
    links: 3,
    args: ["info"],
  },
  {
    task: "amqp10:receive_logs_topic",
    ready: WAITING_LOGS,
    flag: "--exchange",
    links: 3,
    args: ["#"],
  },
];

for (const { task, ready, flag, links, args = [] } of CONSUMERS) {
  amqp10Test(
    `${task}: Ctrl+C through deno task detaches its links, closes the connection, exits 0`,
    async () => {
      const proxy = startFrameProxy(URL);
      const name = uniqueName(task.replace("amqp10:", ""));
      const program = await Program.start(task, [flag, name, "--url", proxy.url, ...args], {
        env: ENV,
      });
      try {
        await program.waitFor(ready);
        // The ready line comes just before the receiver attaches: wait for it, and its credit.
        const attaches = () => proxy.sent.filter((frame) => frame === "attach").length;
        await waitUntil(() =>
          attaches() === links && proxy.sent.lastIndexOf("flow") > proxy.sent.lastIndexOf("attach")
        );
        program.kill("SIGINT"); // to the group: deno task and the program, as Ctrl+C does
        assert.equal(await program.exited, 0, program.stderr.join("\n"));
        assert.deepEqual(program.stderr, []);
        assert.equal(proxy.connections(), 1);
        const detached = proxy.sent.filter((frame) => frame === "detach").length;
        assert.equal(detached, links, `every link detached: ${proxy.sent.join(" ")}`);
        assert.equal(proxy.sent.at(-1), "close", `close last: ${proxy.sent.join(" ")}`);
      } finally {
        await program.stop("SIGKILL");
        proxy.close();
        if (flag === "--queue") await deleteQueues(name);
        else await deleteExchanges(name);
      }
    },
  );
}

async function waitUntil(condition: () => boolean, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const noRestart = NO_AMQP10 ?? await cannotRestartReason();

Deno.test({
  name: testName(
    "amqp10:worker and amqp10:receive_logs come back after a broker restart: the task in progress, queued and sent after; logs sent after",
    noRestart,
  ),
  ignore: noRestart !== undefined,
  async fn() {
    const queue = uniqueName("task_queue");
    const exchange = uniqueName("logs");
    const worker = await startWorker(queue);
    const logs = await startReady("amqp10:receive_logs", ["--exchange", exchange], WAITING_LOGS);
    const lost = /^Lost the connection to "amqp[^"]*" \(.+\); reconnecting$/;
    const back = /^Reconnected to "amqp[^"]*"$/;
    try {
      await newTask(queue, "in progress.........");
      await worker.waitFor("[x] Received 'in progress.........'");
      await newTask(queue, "queued.");

      await restartBroker(URL);
      for (const program of [worker, logs]) {
        await program.waitFor(lost, { stream: "stderr" });
        await program.waitFor(back, { stream: "stderr", timeoutMs: 60_000 });
      }
      await newTask(queue, "sent after.");
      await worker.waitFor("[x] Received 'sent after.'", { timeoutMs: 30_000 });
      await worker.waitFor("[x] Done", { count: received(worker).length });
      // The task in progress was not accepted before the connection went: it came back.
      const tasks = received(worker).map((line) => line.replace(" (redelivered)", ""));
      assert.deepEqual([...new Set(tasks)], [
        " [x] Received 'in progress.........'",
        " [x] Received 'queued.'",
        " [x] Received 'sent after.'",
      ]);
      assert.ok(received(worker).includes(" [x] Received 'in progress.........' (redelivered)"));
      await waitForDepth(queue, 0);

      // The subscriber declared a new queue and bound it again.
      const emitted = await runTask("amqp10:emit_log", ["--exchange", exchange, "after"], {
        env: ENV,
      });
      assert.deepEqual(emitted.stdout, [" [x] Sent 'after'"]);
      await logs.waitFor("[x] after");
    } finally {
      await stopThenClean([worker, logs], async () => {
        await deleteQueues(queue);
        await deleteExchanges(exchange);
      });
    }
  },
});
