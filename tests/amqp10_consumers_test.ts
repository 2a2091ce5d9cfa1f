/**
 * The AMQP 1.0 consumers as long-running programs: the worker's one credit
 * (fair dispatch), a task requeued when its worker is killed or stopped
 * mid-task, Ctrl+C through `deno task` detaching the links and closing the
 * connection on the wire, and consumers coming back after a broker
 * restart. RabbitMQ 4.x only.
 */
import assert from "node:assert/strict";
import { restartBroker } from "../tools/lib/broker.ts";
import { AWAITING_RPC, WAITING, WAITING_LOGS } from "../tools/lib/ready_lines.ts";
import {
  assertExit,
  atExit,
  BROKER_URL,
  cannotRestartReason,
  deleteExchanges,
  deleteQueues,
  getOne,
  KILLED,
  type Program,
  runOk,
  startReady,
  stopped,
  testExchange,
  testQueue,
  uniqueName,
  waitForDepth,
} from "./_helpers.ts";
import { startFrameProxy } from "./peers/amqp10/frame_proxy.ts";
import { amqp10Test, NO_AMQP10 } from "./peers/amqp10/support.ts";

function startWorker(queue: string) {
  return startReady("amqp10:worker", ["--queue", queue], WAITING);
}

async function newTask(queue: string, task: string) {
  assert.deepEqual(await runOk("amqp10:new_task", ["--queue", queue, task]), [
    ` [x] Sent '${task}'`,
  ]);
}

const received = (worker: Program) => worker.stdout.filter((line) => line.includes("[x] Received"));

amqp10Test(
  "amqp10:worker: with one credit, the free worker takes the short tasks while the other works",
  async () => {
    await using queue = testQueue("task_queue");
    await using first = await startWorker(queue.name);
    await using second = await startWorker(queue.name);
    const workers = [first, second];
    await newTask(queue.name, "long....");
    const busy = await Promise.any(
      workers.map((worker) => worker.waitFor("[x] Received 'long....'").then(() => worker)),
    );
    const free = workers.find((worker) => worker !== busy)!;
    for (const task of ["short 1", "short 2", "short 3"]) await newTask(queue.name, task);
    await free.waitFor("[x] Done", { count: 3 });
    assert.deepEqual(received(busy), [" [x] Received 'long....'"]);
    assert.ok(!busy.stdout.includes(" [x] Done"), "the long task is still in progress");
    assert.deepEqual(received(free), [
      " [x] Received 'short 1'",
      " [x] Received 'short 2'",
      " [x] Received 'short 3'",
    ]);
    await busy.waitFor("[x] Done");
  },
);

amqp10Test(
  "amqp10:worker killed mid-task: the unsettled task goes to the other worker, redelivered",
  async () => {
    await using queue = testQueue("task_queue");
    await using first = await startWorker(queue.name);
    await newTask(queue.name, "doomed...");
    await first.waitFor("[x] Received 'doomed...'");
    await using second = await startWorker(queue.name);
    assertExit(await stopped(first, "SIGKILL"), KILLED);
    assert.ok(!first.stdout.includes(" [x] Done"));
    await second.waitFor("[x] Done");
    assert.deepEqual(received(second), [" [x] Received 'doomed...' (redelivered)"]);
    await waitForDepth(queue.name, 0);
  },
);

amqp10Test(
  "amqp10:worker: Ctrl+C mid-task exits 0 and the task goes back to the queue",
  async () => {
    await using queue = testQueue("task_queue");
    await using worker = await startWorker(queue.name);
    await newTask(queue.name, "interrupted.....");
    await worker.waitFor("[x] Received 'interrupted.....'");
    assertExit(await stopped(worker, "SIGINT"), 0);
    assert.ok(!worker.stdout.includes(" [x] Done"));
    assert.deepEqual(worker.stderr, []);
    await waitForDepth(queue.name, 1);
    const msg = await getOne(queue.name);
    assert.ok(msg);
    assert.equal(msg.content.toString(), "interrupted.....");
    assert.equal(msg.fields.redelivered, true);
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
      const name = uniqueName(task.replace("amqp10:", ""));
      await using _objects = atExit(() =>
        flag === "--queue" ? deleteQueues(name) : deleteExchanges(name)
      );
      const proxy = startFrameProxy(BROKER_URL);
      await using _proxy = atExit(() => Promise.resolve(proxy.close()));
      await using program = await startReady(
        task,
        [flag, name, "--url", proxy.url, ...args],
        ready,
      );
      // The ready line comes just before the receiver attaches: wait for it, and its credit.
      const attaches = () => proxy.sent.filter((frame) => frame === "attach").length;
      await waitUntil(() =>
        attaches() === links && proxy.sent.lastIndexOf("flow") > proxy.sent.lastIndexOf("attach")
      );
      // To the group: deno task and the program, as Ctrl+C does.
      const result = await stopped(program, "SIGINT");
      assertExit(result, 0);
      assert.deepEqual(result.stderr, []);
      assert.equal(proxy.connections(), 1);
      const detached = proxy.sent.filter((frame) => frame === "detach").length;
      assert.equal(detached, links, `every link detached: ${proxy.sent.join(" ")}`);
      assert.equal(proxy.sent.at(-1), "close", `close last: ${proxy.sent.join(" ")}`);
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

amqp10Test(
  "amqp10:worker and amqp10:receive_logs come back after a broker restart: the task in progress, queued and sent after; logs sent after",
  async () => {
    await using queue = testQueue("task_queue");
    await using exchange = testExchange("logs");
    await using worker = await startWorker(queue.name);
    await using logs = await startReady(
      "amqp10:receive_logs",
      ["--exchange", exchange.name],
      WAITING_LOGS,
    );
    const lost = /^Lost the connection to "amqp[^"]*" \(.+\); reconnecting$/;
    const back = /^Reconnected to "amqp[^"]*"$/;
    await newTask(queue.name, "in progress.........");
    await worker.waitFor("[x] Received 'in progress.........'");
    await newTask(queue.name, "queued.");

    await restartBroker(BROKER_URL);
    for (const program of [worker, logs]) {
      await program.waitFor(lost, { stream: "stderr" });
      await program.waitFor(back, { stream: "stderr", timeoutMs: 60_000 });
    }
    await newTask(queue.name, "sent after.");
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
    await waitForDepth(queue.name, 0);

    // The subscriber declared a new queue and bound it again.
    assert.deepEqual(await runOk("amqp10:emit_log", ["--exchange", exchange.name, "after"]), [
      " [x] Sent 'after'",
    ]);
    await logs.waitFor("[x] after");
  },
  NO_AMQP10 ?? await cannotRestartReason(),
);
