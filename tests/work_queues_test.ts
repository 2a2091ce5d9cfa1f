import assert from "node:assert/strict";
import { restartBroker } from "../tools/lib/broker.ts";
import { WAITING } from "../tools/lib/ready_lines.ts";
import {
  assertExit,
  BROKER_URL,
  cannotRestartReason,
  getOne,
  KILLED,
  newTask,
  type Program,
  startReady,
  stopped,
  test,
  testName,
  testQueue,
  waitForDepth,
} from "./_helpers.ts";

function startWorker(queue: string, options: { onLine?: (line: string) => void } = {}) {
  return startReady("worker", ["--queue", queue], WAITING, options);
}

const received = (worker: Program) => worker.stdout.filter((line) => line.includes("[x] Received"));

test("worker.ts gives short tasks to the free worker while the other works on a long one", async () => {
  await using queue = testQueue("task_queue");
  await using first = await startWorker(queue.name);
  await using second = await startWorker(queue.name);
  const workers = [first, second];
  await newTask(queue.name, "long....");
  const [busy] = await Promise.any(
    workers.map(async (worker) => {
      await worker.waitFor("[x] Received 'long....'");
      return [worker];
    }),
  );
  const free = workers.find((worker) => worker !== busy)!;
  for (const task of ["short 1", "short 2", "short 3"]) await newTask(queue.name, task);
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
});

test("worker.ts works one second per dot in the task: 'a...' takes 3 s, a task without dots none", async () => {
  await using queue = testQueue("task_queue");
  // When each line reached the test: the worker prints Received before its work and Done after.
  const arrivals: { line: string; at: number }[] = [];
  await using worker = await startWorker(queue.name, {
    onLine: (line) => arrivals.push({ line, at: performance.now() }),
  });
  await newTask(queue.name, "a...");
  await newTask(queue.name, "no dots");
  await worker.waitFor("[x] Done", { count: 2 });
  const lines = arrivals.filter(({ line }) => line.startsWith(" [x] "));
  assert.deepEqual(lines.map(({ line }) => line), [
    " [x] Received 'a...'",
    " [x] Done",
    " [x] Received 'no dots'",
    " [x] Done",
  ]);
  const [dots, none] = [lines[1].at - lines[0].at, lines[3].at - lines[2].at];
  // Wide enough for a loaded machine; 2 s (a dot miscounted) or 4 s (every character) fail.
  assert.ok(dots >= 2_700 && dots < 3_900, `'a...' took ${Math.round(dots)} ms, expected 3,000`);
  assert.ok(none < 900, `'no dots' took ${Math.round(none)} ms, expected none`);
});

test("worker.ts requeues a task when killed mid-work, and another worker completes it", async () => {
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
});

test("worker.ts exits 0 on SIGINT mid-task, and the task goes back to the queue", async () => {
  await using queue = testQueue("task_queue");
  await using worker = await startWorker(queue.name);
  await newTask(queue.name, "interrupted.....");
  await worker.waitFor("[x] Received 'interrupted.....'");
  assertExit(await stopped(worker, "SIGINT"), 0);
  assert.ok(!worker.stdout.includes(" [x] Done"));

  await waitForDepth(queue.name, 1);
  const msg = await getOne(queue.name);
  assert.ok(msg);
  assert.equal(msg.content.toString(), "interrupted.....");
  assert.equal(msg.fields.redelivered, true);
});

test("worker.ts exits 0 on SIGTERM while idle", async () => {
  await using queue = testQueue("task_queue");
  await using worker = await startWorker(queue.name);
  assertExit(await stopped(worker, "SIGTERM"), 0);
  assert.deepEqual(worker.stderr, []);
});

const noRestart = await cannotRestartReason();

test({
  name: testName("task_queue and its persistent messages survive a broker restart", noRestart),
  ignore: noRestart !== undefined,
  async fn() {
    await using queue = testQueue("task_queue");
    await newTask(queue.name, "survivor.");
    await newTask(queue.name, "another survivor.");
    await waitForDepth(queue.name, 2);

    await restartBroker(BROKER_URL);

    await waitForDepth(queue.name, 2);
    await using worker = await startWorker(queue.name);
    await worker.waitFor("[x] Done", { count: 2 });
    assertExit(await stopped(worker), 0);
    assert.deepEqual(received(worker), [
      " [x] Received 'survivor.'",
      " [x] Received 'another survivor.'",
    ]);
  },
});
