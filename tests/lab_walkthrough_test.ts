import assert from "node:assert/strict";
import { usingLine } from "../lib/lab/cli.ts";
import { urlParts } from "../lib/url.ts";
import { LAB_WAITING } from "../tools/lib/ready_lines.ts";
import {
  assertExit,
  BROKER_URL,
  ENV,
  type Program,
  runOk,
  runTask,
  startLab,
  stopped,
  test,
  testExchange,
  testQueue,
  waitForDepth,
} from "./_helpers.ts";

/** The first INFO line of a walk-through program: its queue or exchange, the test broker's vhost. */
const using = (objects: { queue?: string; exchange?: string }) =>
  usingLine(urlParts(BROKER_URL).vhost, objects);
/** A consumer's lines after its first INFO line, the one naming its own server-named queue. */
const afterUsing = (stdout: string[]) => stdout.slice(1);

test("lab:1: send puts 'My first message' on the queue, receive prints it (auto-ack)", async () => {
  await using queue = testQueue("awesome_queue");
  await using receiver = await startLab("lab:1:receive", ["--queue", queue.name]);
  assert.deepEqual(await runOk("lab:1:send", ["--queue", queue.name]), [
    using({ queue: queue.name }),
    "SENT: My first message",
  ]);
  await receiver.waitFor("RECEIVED: My first message");
  // Auto-ack: nothing waits for an ack.
  await waitForDepth(queue.name, 0);
  assertExit(await stopped(receiver), 0);
  assert.deepEqual(receiver.stdout, [
    using({ queue: queue.name }),
    LAB_WAITING,
    "RECEIVED: My first message",
  ]);
});

test("lab:2: new_task queues the task from the command line, the worker works one second per '.' and acks", async () => {
  await using queue = testQueue("task_queue");
  await using worker = await startLab("lab:2:worker", ["--queue", queue.name]);
  assert.deepEqual(await runOk("lab:2:new_task", ["--queue", queue.name, "Second", "task.."]), [
    using({ queue: queue.name }),
    "SENT: Second task..",
  ]);
  await worker.waitFor("RECEIVED: Second task..");
  const start = Date.now();
  await worker.waitFor("INFO: Done");
  const seconds = (Date.now() - start) / 1000;
  assert.ok(seconds >= 1.8 && seconds < 2.8, `took ${seconds} s, expected 2 s`);
  await waitForDepth(queue.name, 0);
  assertExit(await stopped(worker), 0);
  assert.deepEqual(worker.stdout, [
    using({ queue: queue.name }),
    LAB_WAITING,
    "RECEIVED: Second task..",
    "INFO: Done",
  ]);
});

test("lab:3: every receive_logs gets every message of the fanout exchange", async () => {
  await using exchange = testExchange("logs");
  await using first = await startLab("lab:3:receive_logs", ["--exchange", exchange.name]);
  await using second = await startLab("lab:3:receive_logs", ["--exchange", exchange.name]);
  assert.deepEqual(await runOk("lab:3:emit_log", ["--exchange", exchange.name, "info: hi"]), [
    using({ exchange: exchange.name }),
    "SENT: info: hi",
  ]);
  for (const receiver of [first, second]) await receiver.waitFor("RECEIVED: info: hi");
});

test("lab:4: receive_logs_direct prints only the severities it was started with", async () => {
  await using exchange = testExchange("direct_logs");
  await using receiver = await startLab("lab:4:receive_logs_direct", [
    "--exchange",
    exchange.name,
    "warning",
    "error",
  ]);
  const emit = (severity: string, message: string) =>
    runOk("lab:4:emit_log_direct", ["--exchange", exchange.name, severity, message]);
  assert.deepEqual(await emit("info", "Just so you know"), [
    using({ exchange: exchange.name }),
    "SENT: [info] Just so you know",
  ]);
  await emit("error", "Disk full");
  await emit("warning", "Disk almost full");
  await receiver.waitFor("RECEIVED: [warning] Disk almost full");
  assertExit(await stopped(receiver), 0);
  assert.match(receiver.stdout[0], /^INFO: Exchange "[^"]+" and queue "amq\.gen-[^"]+" in vhost /);
  assert.deepEqual(afterUsing(receiver.stdout), [
    LAB_WAITING,
    "RECEIVED: [error] Disk full",
    "RECEIVED: [warning] Disk almost full",
  ]);
});

test("lab:5: the lab's bindings *.usa.*, *.*.rub and stock.# each get the quotes they match", async () => {
  await using exchange = testExchange("stocks");
  const bindings = ["*.usa.*", "*.*.rub", "stock.#"];
  await using receivers = new AsyncDisposableStack();
  const started = new Map<string, Program>();
  for (const binding of bindings) {
    started.set(
      binding,
      receivers.use(
        await startLab("lab:5:receive_stocks", ["--exchange", exchange.name, binding]),
      ),
    );
  }
  const quotes = [
    ["stock.usa.usd", "AAPL 189.98"],
    ["bond.usa.usd", "UST10Y 4.21"],
    ["stock.moex.rub", "SBER 312.40"],
    ["bond.moex.rub", "OFZ26238 58.10"],
    ["future.lse.gbp", "FTSE 8120"],
  ];
  for (const [key, quote] of quotes) {
    assert.deepEqual(await runOk("lab:5:emit_stock", ["--exchange", exchange.name, key, quote]), [
      using({ exchange: exchange.name }),
      `SENT: [${key}] ${quote}`,
    ]);
  }
  // A last quote that every binding matches: once it is there, everything before it is.
  await runOk("lab:5:emit_stock", ["--exchange", exchange.name, "stock.usa.rub", "last"]);
  for (const receiver of started.values()) await receiver.waitFor("RECEIVED: [stock.usa.rub]");
  for (const receiver of started.values()) assertExit(await stopped(receiver), 0);
  const got = (binding: string) =>
    started.get(binding)!.stdout.filter((line) => line.startsWith("RECEIVED")).map((line) =>
      line.match(/^RECEIVED: \[([^\]]+)\]/)![1]
    );
  assert.deepEqual(got("*.usa.*"), ["stock.usa.usd", "bond.usa.usd", "stock.usa.rub"]);
  assert.deepEqual(got("*.*.rub"), ["stock.moex.rub", "bond.moex.rub", "stock.usa.rub"]);
  assert.deepEqual(got("stock.#"), ["stock.usa.usd", "stock.moex.rub", "stock.usa.rub"]);
});

test("lab:5:emit_stock refuses a key that is not <class>.<market>.<currency>", async () => {
  for (const key of ["stock.usa", "stock.usa.usd.extra", "stock.*.usd"]) {
    const result = await runTask("lab:5:emit_stock", [key, "AAPL 1"], { env: ENV });
    assertExit(result, 2);
    assert.deepEqual(result.stderr, [
      `Invalid routing key "${key}": expected three words <class>.<market>.<currency>, e.g. "stock.usa.usd"`,
    ]);
  }
});
