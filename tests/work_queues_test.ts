import assert from "node:assert/strict";
import { restartBroker } from "../tools/lib/broker.ts";
import {
  cannotRestartReason,
  deleteQueues,
  getOne,
  newTask,
  Program,
  startReady,
  stopThenClean,
  testName,
  uniqueName,
  URL,
  waitForDepth,
  WAITING,
} from "./_helpers.ts";

function startWorker(queue: string) {
  return startReady("worker", ["--queue", queue], WAITING);
}

const received = (worker: Program) => worker.stdout.filter((line) => line.includes("[x] Received"));

Deno.test("worker.ts gives short tasks to the free worker while the other works on a long one", async () => {
  const queue = uniqueName("task_queue");
  const workers = [await startWorker(queue), await startWorker(queue)];
  try {
    await newTask(queue, "long....");
    const [busy] = await Promise.any(
      workers.map(async (worker) => {
        await worker.waitFor("[x] Received 'long....'");
        return [worker];
      }),
    );
    const free = workers.find((worker) => worker !== busy)!;
    for (const task of ["short 1", "short 2", "short 3"]) await newTask(queue, task);
    await free.waitFor("[x] Done", { count: 3 });

    // With prefetch 1 the busy worker is offered nothing while it works.
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
});

Deno.test("worker.ts requeues a task when killed mid-work, and another worker completes it", async () => {
  const queue = uniqueName("task_queue");
  const first = await startWorker(queue);
  let second: Program | undefined;
  try {
    await newTask(queue, "doomed...");
    await first.waitFor("[x] Received 'doomed...'");
    second = await startWorker(queue);
    first.kill("SIGKILL");
    await first.exited;
    assert.ok(!first.stdout.includes(" [x] Done"));

    await second.waitFor("[x] Done");
    assert.deepEqual(received(second), [" [x] Received 'doomed...' (redelivered)"]);
    await waitForDepth(queue, 0);
  } finally {
    await first.stop("SIGKILL");
    await stopThenClean(second ? [second] : [], () => deleteQueues(queue));
  }
});

Deno.test("worker.ts exits 0 on SIGINT mid-task, and the task goes back to the queue", async () => {
  const queue = uniqueName("task_queue");
  const worker = await startWorker(queue);
  try {
    await newTask(queue, "interrupted.....");
    await worker.waitFor("[x] Received 'interrupted.....'");
    assert.equal(await worker.stop("SIGINT"), 0);
    assert.ok(!worker.stdout.includes(" [x] Done"));

    await waitForDepth(queue, 1);
    const msg = await getOne(queue);
    assert.ok(msg);
    assert.equal(msg.content.toString(), "interrupted.....");
    assert.equal(msg.fields.redelivered, true);
  } finally {
    await worker.stop();
    await deleteQueues(queue);
  }
});

Deno.test("worker.ts exits 0 on SIGTERM while idle", async () => {
  const queue = uniqueName("task_queue");
  const worker = await startWorker(queue);
  try {
    assert.equal(await worker.stop("SIGTERM"), 0);
    assert.deepEqual(worker.stderr, []);
  } finally {
    await deleteQueues(queue);
  }
});

const noRestart = await cannotRestartReason();

Deno.test({
  name: testName("task_queue and its persistent messages survive a broker restart", noRestart),
  ignore: noRestart !== undefined,
  async fn() {
    const queue = uniqueName("task_queue");
    try {
      await newTask(queue, "survivor.");
      await newTask(queue, "another survivor.");
      await waitForDepth(queue, 2);

      await restartBroker(URL);

      await waitForDepth(queue, 2);
      const worker = await startWorker(queue);
      await worker.waitFor("[x] Done", { count: 2 });
      assert.equal(await worker.stop(), 0);
      assert.deepEqual(received(worker), [
        " [x] Received 'survivor.'",
        " [x] Received 'another survivor.'",
      ]);
    } finally {
      await deleteQueues(queue);
    }
  },
});
