import assert from "node:assert/strict";
import {
  deleteExchanges,
  deleteQueues,
  ENV,
  Program,
  runTask,
  stopThenClean,
  uniqueName,
  waitForDepth,
} from "./_helpers.ts";
import { runLab, startLab, WAITING } from "./_lab_helpers.ts";

Deno.test("lab:1: send puts 'My first message' on the queue, receive prints it (auto-ack)", async () => {
  const queue = uniqueName("awesome_queue");
  const receiver = await startLab("lab:1:receive", ["--queue", queue]);
  try {
    assert.deepEqual(await runLab("lab:1:send", ["--queue", queue]), ["SENT: My first message"]);
    await receiver.waitFor("RECEIVED: My first message");
    // Auto-ack: nothing waits for an ack.
    await waitForDepth(queue, 0);
  } finally {
    await stopThenClean(receiver, () => deleteQueues(queue));
  }
  assert.deepEqual(receiver.stdout, [WAITING, "RECEIVED: My first message"]);
});

Deno.test("lab:2: new_task queues the task from the command line, the worker works one second per '.' and acks", async () => {
  const queue = uniqueName("task_queue");
  const worker = await startLab("lab:2:worker", ["--queue", queue]);
  try {
    assert.deepEqual(await runLab("lab:2:new_task", ["--queue", queue, "Second", "task.."]), [
      "SENT: Second task..",
    ]);
    await worker.waitFor("RECEIVED: Second task..");
    const start = Date.now();
    await worker.waitFor("INFO: Done");
    const seconds = (Date.now() - start) / 1000;
    assert.ok(seconds >= 1.8 && seconds < 2.8, `took ${seconds} s, expected 2 s`);
    await waitForDepth(queue, 0);
  } finally {
    await stopThenClean(worker, () => deleteQueues(queue));
  }
  assert.deepEqual(worker.stdout, [WAITING, "RECEIVED: Second task..", "INFO: Done"]);
});

Deno.test("lab:3: every receive_logs gets every message of the fanout exchange", async () => {
  const exchange = uniqueName("logs");
  const receivers = [
    await startLab("lab:3:receive_logs", ["--exchange", exchange]),
    await startLab("lab:3:receive_logs", ["--exchange", exchange]),
  ];
  try {
    assert.deepEqual(await runLab("lab:3:emit_log", ["--exchange", exchange, "info: hi"]), [
      "SENT: info: hi",
    ]);
    for (const receiver of receivers) await receiver.waitFor("RECEIVED: info: hi");
  } finally {
    await stopThenClean(receivers, () => deleteExchanges(exchange));
  }
});

Deno.test("lab:4: receive_logs_direct prints only the severities it was started with", async () => {
  const exchange = uniqueName("direct_logs");
  const receiver = await startLab("lab:4:receive_logs_direct", [
    "--exchange",
    exchange,
    "warning",
    "error",
  ]);
  try {
    const emit = (severity: string, message: string) =>
      runLab("lab:4:emit_log_direct", ["--exchange", exchange, severity, message]);
    assert.deepEqual(await emit("info", "Just so you know"), ["SENT: [info] Just so you know"]);
    await emit("error", "Disk full");
    await emit("warning", "Disk almost full");
    await receiver.waitFor("RECEIVED: [warning] Disk almost full");
  } finally {
    await stopThenClean(receiver, () => deleteExchanges(exchange));
  }
  assert.deepEqual(receiver.stdout, [
    WAITING,
    "RECEIVED: [error] Disk full",
    "RECEIVED: [warning] Disk almost full",
  ]);
});

Deno.test("lab:5: the lab's bindings *.usa.*, *.*.rub and stock.# each get the quotes they match", async () => {
  const exchange = uniqueName("stocks");
  const bindings = ["*.usa.*", "*.*.rub", "stock.#"];
  const receivers = new Map<string, Program>();
  for (const binding of bindings) {
    receivers.set(
      binding,
      await startLab("lab:5:receive_stocks", ["--exchange", exchange, binding]),
    );
  }
  try {
    const quotes = [
      ["stock.usa.usd", "AAPL 189.98"],
      ["bond.usa.usd", "UST10Y 4.21"],
      ["stock.moex.rub", "SBER 312.40"],
      ["bond.moex.rub", "OFZ26238 58.10"],
      ["future.lse.gbp", "FTSE 8120"],
    ];
    for (const [key, quote] of quotes) {
      assert.deepEqual(await runLab("lab:5:emit_stock", ["--exchange", exchange, key, quote]), [
        `SENT: [${key}] ${quote}`,
      ]);
    }
    // A last quote that every binding matches: once it is there, everything before it is.
    await runLab("lab:5:emit_stock", ["--exchange", exchange, "stock.usa.rub", "last"]);
    for (const receiver of receivers.values()) await receiver.waitFor("RECEIVED: [stock.usa.rub]");
  } finally {
    await stopThenClean(receivers.values(), () => deleteExchanges(exchange));
  }
  const got = (binding: string) =>
    receivers.get(binding)!.stdout.filter((line) => line.startsWith("RECEIVED")).map((line) =>
      line.match(/^RECEIVED: \[([^\]]+)\]/)![1]
    );
  assert.deepEqual(got("*.usa.*"), ["stock.usa.usd", "bond.usa.usd", "stock.usa.rub"]);
  assert.deepEqual(got("*.*.rub"), ["stock.moex.rub", "bond.moex.rub", "stock.usa.rub"]);
  assert.deepEqual(got("stock.#"), ["stock.usa.usd", "stock.moex.rub", "stock.usa.rub"]);
});

Deno.test("lab:5:emit_stock refuses a key that is not <class>.<market>.<currency>", async () => {
  for (const key of ["stock.usa", "stock.usa.usd.extra", "stock.*.usd"]) {
    const result = await runTask("lab:5:emit_stock", [key, "AAPL 1"], { env: ENV });
    assert.equal(result.code, 2);
    assert.deepEqual(result.stderr, [
      `Invalid routing key "${key}": expected three words <class>.<market>.<currency>, e.g. "stock.usa.usd"`,
    ]);
  }
});
