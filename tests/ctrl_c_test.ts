/**
 * Ctrl+C as a person presses it: each long-running program is started
 * through `deno task` in a process group of its own (as a terminal runs a
 * command) and, once ready, the group gets SIGINT, so the program receives
 * it from the "terminal" and again from `deno task`, which forwards it. It
 * must exit 0 after closing its AMQP connection cleanly: a proxy between it
 * and the broker sees the Connection.Close frame before the socket goes
 * (a killed program's socket just drops, and the broker notices later or
 * at once, but never gets a Connection.Close). Also on a machine too busy
 * to run the program for a while between the two copies of one Ctrl+C,
 * and for SIGTERM, which a consumer says it got.
 */
import assert from "node:assert/strict";
import { STOPPED_BY_SIGTERM } from "../lib/shutdown.ts";
import { AWAITING_RPC, WAITING, WAITING_LOGS, WAITING_POSTS } from "../tools/lib/ready_lines.ts";
import { startProxy } from "./_proxy.ts";
import {
  assertExit,
  atExit,
  BROKER_URL,
  ended,
  eventually,
  queueState,
  startReady,
  stopped,
  test,
  testExchange,
  testName,
  testQueue,
  uniqueName,
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
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    const how = signal === "SIGINT" ? "Ctrl+C" : "SIGTERM, which it says in one line,";
    test(`${task}: ${how} through deno task closes the connection cleanly and exits 0`, async () => {
      using proxy = startProxy(BROKER_URL);
      await using name = flag === "--queue" ? testQueue(task) : testExchange(task);
      await using program = await startReady(
        task,
        [flag, name.name, "--url", proxy.url, ...args],
        ready,
      );
      // To the group: deno task and the program, as Ctrl+C (or kill -TERM of the job) does.
      assertExit(await stopped(program, signal), 0);
      assert.equal(proxy.connections(), 1);
      assert.equal(proxy.connectionCloses(), 1, "the program sent Connection.Close");
      assert.deepEqual(program.stderr, []);
      const said = signal === "SIGTERM" ? [STOPPED_BY_SIGTERM] : [];
      assert.deepEqual(program.stdout.filter((line) => line === STOPPED_BY_SIGTERM), said);
      if (signal === "SIGTERM") assert.equal(program.stdout.at(-1), STOPPED_BY_SIGTERM);
    });
  }
}

/**
 * A worker on a queue of its own, through a proxy, ready; at scope exit the
 * worker stops (with the exit code its test took, else Ctrl+C and 0), then
 * the queue goes, then the proxy.
 */
async function workerBehindProxy() {
  const held = new AsyncDisposableStack();
  try {
    const proxy = held.use(startProxy(BROKER_URL));
    const queue = held.use(testQueue("task_queue"));
    const args = ["--queue", queue.name, "--url", proxy.url];
    const worker = held.use(await startReady("worker", args, WAITING));
    return Object.assign(held, { proxy, worker });
  } catch (error) {
    await held.disposeAsync();
    throw error;
  }
}

test("worker: a second Ctrl+C after a pause stops a program whose close hangs, with 130", async () => {
  await using held = await workerBehindProxy();
  const { proxy, worker } = held;
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

/** The process `deno task` started: the program itself (`deno run ...`). */
async function programPid(denoTaskPid: number): Promise<number> {
  // Each thread lists the children it started: the one that spawned the program may be any.
  const children = [];
  for await (const thread of Deno.readDir(`/proc/${denoTaskPid}/task`)) {
    const listed = await Deno.readTextFile(`/proc/${denoTaskPid}/task/${thread.name}/children`);
    children.push(...listed.trim().split(" ").filter(Boolean).map(Number));
  }
  assert.equal(children.length, 1, `deno task (${denoTaskPid}) runs one program`);
  return children[0];
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** How long the machine does not run the program, between the two copies of one Ctrl+C. */
const NOT_RUN_MS = 400;

test("worker: one Ctrl+C whose deno task copy it handles 400 ms after the terminal's, not having run in between, exits 0", async () => {
  await using held = await workerBehindProxy();
  const { proxy, worker } = held;
  const program = await programPid(worker.pid);
  proxy.holdCloseOk(); // the broker's Close-Ok will wait in the proxy: the program stays closing
  // One Ctrl+C on a busy machine: the program handles the terminal's copy (it sends Close) ...
  Deno.kill(program, "SIGINT");
  await proxy.closeSent;
  // ... then the machine does not run it, as deno task gets its copy and forwards it ...
  Deno.kill(program, "SIGSTOP");
  Deno.kill(worker.pid, "SIGINT");
  await pause(NOT_RUN_MS);
  // ... and it handles the forwarded copy 400 ms after the first, then the broker's Close-Ok.
  Deno.kill(program, "SIGCONT");
  await pause(200);
  proxy.release();
  assertExit(await ended(worker, 10_000, "after one Ctrl+C"), 0);
  assert.equal(proxy.connectionCloses(), 1);
});

/** The CPU the load test crowds, and why it cannot run here, if it cannot. */
async function crowdedCpu(): Promise<{ cpu?: number; skip?: string }> {
  try {
    await new Deno.Command("taskset", { args: ["-p", String(Deno.pid)], stdout: "null" }).output();
  } catch {
    return { skip: "taskset (util-linux) is not installed" };
  }
  try {
    await Deno.readTextFile(`/proc/${Deno.pid}/autogroup`);
  } catch {
    return { skip: "this kernel has no /proc/PID/autogroup (CONFIG_SCHED_AUTOGROUP)" };
  }
  return { cpu: navigator.hardwareConcurrency - 1 };
}

/** The processes of the process group `group`: deno task and the program. */
async function processGroup(group: number): Promise<number[]> {
  const pids = [];
  for await (const entry of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    const stat = await Deno.readTextFile(`/proc/${entry.name}/stat`).catch(() => "");
    // pid (comm) state ppid pgrp ...: comm may hold spaces, so count from its ")".
    if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]) === group) {
      pids.push(Number(entry.name));
    }
  }
  return pids;
}

const { cpu, skip: noLoad } = await crowdedCpu();
const HOGS = 3;

test({
  name: testName(
    "receive, worker, receive_logs: one Ctrl+C exits 0 while CPU hogs leave the program little time to run",
    noLoad,
  ),
  ignore: noLoad !== undefined,
  fn: async () => {
    const rounds = [
      { task: "receive", ready: WAITING, flag: "--queue" },
      { task: "worker", ready: WAITING, flag: "--queue" },
      { task: "receive_logs", ready: WAITING_LOGS, flag: "--exchange" },
    ];
    for (const { task, ready, flag } of rounds) {
      await using name = flag === "--queue" ? testQueue(task) : testExchange(task);
      await using program = await startReady(task, [flag, name.name], ready);
      // The program and deno task share one CPU with the hogs, at the lowest priority (their
      // session's autogroup at nice 19; each hog is a session of its own at nice 0).
      for (const pid of await processGroup(program.pid)) {
        await new Deno.Command("taskset", {
          args: ["-a", "-p", "-c", String(cpu), String(pid)],
          stdout: "null",
        }).output();
        await Deno.writeTextFile(`/proc/${pid}/autogroup`, "19");
      }
      const hogs = Array.from({ length: HOGS }, () =>
        new Deno.Command("taskset", {
          args: ["-c", String(cpu), "yes"],
          stdout: "null",
          detached: true,
        }).spawn());
      await using _stopHogs = atExit(async () => {
        for (const hog of hogs) hog.kill("SIGKILL");
        await Promise.all(hogs.map((hog) => hog.status));
      });
      assertExit(await stopped(program, "SIGINT"), 0);
    }
  },
});

test("publisher_confirms: Ctrl+C while it publishes closes the connection and exits 0", async () => {
  using proxy = startProxy(BROKER_URL);
  const prefix = uniqueName("publisher_confirms");
  // Its exclusive queue exists: it is publishing (it prints nothing until a strategy ends).
  const publishing = () =>
    eventually(
      "publisher_confirms declares its queue",
      async () => await queueState(`${prefix}.individually`) === "exclusive",
    );
  await using program = await startReady(
    "publisher_confirms",
    ["--url", proxy.url, "--queue", prefix, "--strategy", "individually", "--count", "1000000"],
    publishing,
  );
  assertExit(await stopped(program, "SIGINT"), 0);
  assert.equal(proxy.connectionCloses(), 1, "the program sent Connection.Close");
  assert.deepEqual(program.stderr, []);
  assert.equal(await queueState(`${prefix}.individually`), "missing", "its queue went with it");
});

test("rpc_client: Ctrl+C while it waits for its reply closes the connection and exits 0", async () => {
  using proxy = startProxy(BROKER_URL);
  await using queue = testQueue("rpc_queue"); // no server consumes it
  await using client = await startReady(
    "rpc_client",
    ["5", "--url", proxy.url, "--queue", queue.name, "--timeout", "60"],
    " [x] Requesting fib(5)",
  );
  assertExit(await stopped(client, "SIGINT"), 0);
  assert.equal(proxy.connectionCloses(), 1, "the program sent Connection.Close");
  assert.deepEqual(client.stderr, []);
});

test("demo: Ctrl+C stops the programs it started and exits 0", async () => {
  using proxy = startProxy(BROKER_URL);
  // The first consumer of tutorial 1 is running.
  await using demo = await startReady(
    "demo",
    ["--url", proxy.url],
    new RegExp(`^\\[receive\\] +${RegExp.escape(WAITING)}$`),
    { timeoutMs: 60_000 },
  );
  assertExit(await stopped(demo, "SIGINT"), 0);
  assert.ok(demo.stdout.includes("Stopping the programs still running ..."));
  // Every connection through the proxy (the receiver's, the demo's own checks) closed cleanly.
  assert.ok(proxy.connections() >= 1);
  assert.equal(proxy.connectionCloses(), proxy.connections());
});
