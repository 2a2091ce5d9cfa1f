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
import { startProxy } from "./_proxy.ts";
import {
  deleteExchanges,
  deleteQueues,
  ENV,
  Program,
  uniqueName,
  URL,
  WAITING,
  WAITING_LOGS,
} from "./_helpers.ts";

const CONSUMERS = [
  { task: "receive", ready: WAITING, flag: "--queue" },
  { task: "worker", ready: WAITING, flag: "--queue" },
  { task: "rpc_server", ready: " [x] Awaiting RPC requests", flag: "--queue" },
  { task: "receive_logs", ready: WAITING_LOGS, flag: "--exchange" },
  { task: "receive_logs_direct", ready: WAITING_LOGS, flag: "--exchange", args: ["info"] },
  { task: "receive_logs_topic", ready: WAITING_LOGS, flag: "--exchange", args: ["#"] },
  {
    task: "receive_posts",
    ready: " [*] Waiting for posts. To exit press CTRL+C",
    flag: "--exchange",
  },
];

for (const { task, ready, flag, args = [] } of CONSUMERS) {
  Deno.test(`${task}: Ctrl+C through deno task closes the connection cleanly and exits 0`, async () => {
    const proxy = startProxy(URL);
    const name = uniqueName(task);
    const program = await Program.start(task, [flag, name, "--url", proxy.url, ...args], {
      env: ENV,
    });
    try {
      await program.waitFor(ready);
      program.kill("SIGINT"); // to the group: deno task and the program, as Ctrl+C does
      assert.equal(await program.exited, 0, program.stderr.join("\n"));
      assert.equal(proxy.connections(), 1);
      assert.equal(proxy.connectionCloses(), 1, "the program sent Connection.Close");
      assert.deepEqual(program.stderr, []);
    } finally {
      await program.stop("SIGKILL");
      proxy.close();
      if (flag === "--queue") await deleteQueues(name);
      else await deleteExchanges(name);
    }
  });
}

Deno.test("worker: a second Ctrl+C after a pause stops a program whose close hangs, with 130", async () => {
  const proxy = startProxy(URL);
  const queue = uniqueName("task_queue");
  const worker = await Program.start("worker", ["--queue", queue, "--url", proxy.url], {
    env: ENV,
  });
  try {
    await worker.waitFor(WAITING);
    proxy.freeze(); // the broker no longer answers: the clean close waits for Close-Ok
    worker.kill("SIGINT");
    // A person's second Ctrl+C comes well after the first; the pause is the input here.
    await new Promise((resolve) => setTimeout(resolve, 600));
    let exited = false;
    worker.exited.then(() => exited = true);
    assert.equal(exited, false, "the first Ctrl+C is still closing");
    worker.kill("SIGINT");
    assert.equal(await worker.exited, 130);
  } finally {
    await worker.stop("SIGKILL");
    proxy.close();
    await deleteQueues(queue);
  }
});

Deno.test("demo: Ctrl+C stops the programs it started and exits 0", async () => {
  const proxy = startProxy(URL);
  const demo = await Program.start("demo", ["--url", proxy.url], { env: ENV });
  try {
    // The first consumer of tutorial 1 is running.
    await demo.waitFor(/^\[receive\] +\[\*\] Waiting for messages/, { timeoutMs: 60_000 });
    demo.kill("SIGINT");
    assert.equal(await demo.exited, 0, demo.stderr.join("\n"));
    assert.ok(demo.stdout.includes("Stopping the programs still running ..."));
    // Every connection through the proxy (the receiver's, the demo's own checks) closed cleanly.
    assert.ok(proxy.connections() >= 1);
    assert.equal(proxy.connectionCloses(), proxy.connections());
  } finally {
    await demo.stop("SIGKILL");
    proxy.close();
  }
});
