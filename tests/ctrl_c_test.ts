/**
 * Ctrl+C as a person presses it: each long-running program is started
 * through `deno task` in a process group of its own (as a terminal runs a
 * command) and, once ready, the group gets SIGINT, so the program receives
 * it from the "terminal" and again from `deno task`, which forwards it. It
 * must exit 0 after closing its AMQP connection cleanly: a proxy between it
 * and the broker sees the Connection.Close frame before the socket goes
 * (a killed program's socket just drops, and the broker notices later or
 * at once, but never gets a Connection.Close).
 */
import assert from "node:assert/strict";
import { AWAITING_RPC, WAITING, WAITING_LOGS, WAITING_POSTS } from "../tools/lib/ready_lines.ts";
import { startProxy } from "./_proxy.ts";
import {
  assertExit,
  BROKER_URL,
  startReady,
  stopped,
  test,
  testExchange,
  testQueue,
} from "./_helpers.ts";

const CONSUMERS = [
  { task: "receive", ready: WAITING, flag: "--queue" },
  { task: "worker", ready: WAITING, flag: "--queue" },
  { task: "rpc_server", ready: AWAITING_RPC, flag: "--queue" },
  { task: "receive_logs", ready: WAITING_LOGS, flag: "--exchange" },
  { task: "receive_logs_direct", ready: WAITING_LOGS, flag: "--exchange", args: ["info"] },
  { task: "receive_logs_topic", ready: WAITING_LOGS, flag: "--exchange", args: ["#"] },
  { task: "receive_posts", ready: WAITING_POSTS, flag: "--exchange" },
];

for (const { task, ready, flag, args = [] } of CONSUMERS) {
  test(`${task}: Ctrl+C through deno task closes the connection cleanly and exits 0`, async () => {
    using proxy = startProxy(BROKER_URL);
    await using name = flag === "--queue" ? testQueue(task) : testExchange(task);
    await using program = await startReady(
      task,
      [flag, name.name, "--url", proxy.url, ...args],
      ready,
    );
    // To the group: deno task and the program, as Ctrl+C does.
    assertExit(await stopped(program, "SIGINT"), 0);
    assert.equal(proxy.connections(), 1);
    assert.equal(proxy.connectionCloses(), 1, "the program sent Connection.Close");
    assert.deepEqual(program.stderr, []);
  });
}

test("worker: a second Ctrl+C after a pause stops a program whose close hangs, with 130", async () => {
  using proxy = startProxy(BROKER_URL);
  await using queue = testQueue("task_queue");
  await using worker = await startReady(
    "worker",
    ["--queue", queue.name, "--url", proxy.url],
    WAITING,
  );
  proxy.freeze(); // the broker no longer answers: the clean close waits for Close-Ok
  let exited = false;
  worker.exited.then(() => exited = true);
  worker.kill("SIGINT");
  // A person's second Ctrl+C comes well after the first; the pause is the input here.
  await new Promise((resolve) => setTimeout(resolve, 600));
  // Set during the pause, had the program exited then.
  assert.equal(exited, false, "the first Ctrl+C is still closing");
  assertExit(await stopped(worker, "SIGINT"), 130);
});

test("demo: Ctrl+C stops the programs it started and exits 0", async () => {
  using proxy = startProxy(BROKER_URL);
  // The first consumer of tutorial 1 is running.
  await using demo = await startReady(
    "demo",
    ["--url", proxy.url],
    /^\[receive\] +\[\*\] Waiting for messages/,
    { timeoutMs: 60_000 },
  );
  assertExit(await stopped(demo, "SIGINT"), 0);
  assert.ok(demo.stdout.includes("Stopping the programs still running ..."));
  // Every connection through the proxy (the receiver's, the demo's own checks) closed cleanly.
  assert.ok(proxy.connections() >= 1);
  assert.equal(proxy.connectionCloses(), proxy.connections());
});
