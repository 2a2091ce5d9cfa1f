/**
 * The two protocols on one broker: on every name the tutorials share, the
 * AMQP 0-9-1 programs and the AMQP 1.0 ones (scripts/amqp10/) declare the
 * same queues and exchanges the same way and read each other's messages,
 * in both directions: hello, task_queue, logs, direct_logs, topic_logs and
 * rpc_queue (each test under a name of its own). RabbitMQ 4.x only.
 */
import assert from "node:assert/strict";
import { AWAITING_RPC, WAITING, WAITING_LOGS } from "../tools/lib/ready_lines.ts";
import {
  assertOneLineError,
  type Program,
  runOk,
  startReady,
  testExchange,
  testQueue,
} from "./_helpers.ts";
import { amqp10Test } from "./peers/amqp10/support.ts";

const lines = (program: Program) => program.stdout.filter((line) => line.startsWith(" [x] "));

/** Both directions of a pair of programs: AMQP 0-9-1 to AMQP 1.0, and back. */
const DIRECTIONS = [
  { from: "", to: "amqp10:", name: "AMQP 0-9-1 to AMQP 1.0" },
  { from: "amqp10:", to: "", name: "AMQP 1.0 to AMQP 0-9-1" },
];

for (const { from, to, name } of DIRECTIONS) {
  amqp10Test(`hello, ${name}: ${from}send -> ${to}receive`, async () => {
    await using queue = testQueue("hello");
    await using receiver = await startReady(`${to}receive`, ["--queue", queue.name], WAITING);
    await runOk(`${from}send`, ["--queue", queue.name]);
    await runOk(`${from}send`, ["--queue", queue.name, "ünïcødé ✓"]);
    await receiver.waitFor("[x] Received 'ünïcødé ✓'");
    assert.deepEqual(lines(receiver), [
      " [x] Received 'Hello World!'",
      " [x] Received 'ünïcødé ✓'",
    ]);
    assert.deepEqual(receiver.stderr, []);
  });

  amqp10Test(
    `task_queue, ${name}: ${from}new_task -> two ${to}workers, one task each at a time`,
    async () => {
      await using queue = testQueue("task_queue");
      const args = ["--queue", queue.name];
      await using first = await startReady(`${to}worker`, args, WAITING);
      await using second = await startReady(`${to}worker`, args, WAITING);
      const workers = [first, second];
      await runOk(`${from}new_task`, [...args, "long...."]);
      const busy = await Promise.any(
        workers.map((worker) => worker.waitFor("[x] Received 'long....'").then(() => worker)),
      );
      const free = workers.find((worker) => worker !== busy)!;
      for (const task of ["short 1", "short 2"]) await runOk(`${from}new_task`, [...args, task]);
      await free.waitFor("[x] Done", { count: 2 });
      // The busy worker has no credit (or prefetch) left: it is offered nothing while it works.
      assert.deepEqual(lines(busy), [" [x] Received 'long....'"]);
      assert.deepEqual(lines(free).filter((line) => line.includes("Received")), [
        " [x] Received 'short 1'",
        " [x] Received 'short 2'",
      ]);
      await busy.waitFor("[x] Done");
    },
  );

  amqp10Test(`logs, ${name}: ${from}emit_log -> ${to}receive_logs`, async () => {
    await using exchange = testExchange("logs");
    const args = ["--exchange", exchange.name];
    await using receiver = await startReady(`${to}receive_logs`, args, WAITING_LOGS);
    await runOk(`${from}emit_log`, [...args, "warning: disk almost full"]);
    await receiver.waitFor("[x] warning: disk almost full");
  });

  amqp10Test(
    `direct_logs, ${name}: ${from}emit_log_direct -> ${to}receive_logs_direct`,
    async () => {
      await using exchange = testExchange("direct_logs");
      const args = ["--exchange", exchange.name];
      await using receiver = await startReady(
        `${to}receive_logs_direct`,
        [...args, "error"],
        WAITING_LOGS,
      );
      await runOk(`${from}emit_log_direct`, [...args, "info", "ignored"]);
      await runOk(`${from}emit_log_direct`, [...args, "error", "Run."]);
      await receiver.waitFor("[x] 'error':'Run.'");
      assert.deepEqual(lines(receiver), [" [x] 'error':'Run.'"]);
    },
  );

  amqp10Test(`topic_logs, ${name}: ${from}emit_log_topic -> ${to}receive_logs_topic`, async () => {
    await using exchange = testExchange("topic_logs");
    const args = ["--exchange", exchange.name];
    await using receiver = await startReady(
      `${to}receive_logs_topic`,
      [...args, "*.critical"],
      WAITING_LOGS,
    );
    await runOk(`${from}emit_log_topic`, [...args, "kern.info", "ignored"]);
    await runOk(`${from}emit_log_topic`, [...args, "kern.critical", "Down"]);
    await receiver.waitFor("[x] 'kern.critical':'Down'");
    assert.deepEqual(lines(receiver), [" [x] 'kern.critical':'Down'"]);
  });

  amqp10Test(
    `rpc_queue, ${name}: ${from}rpc_client -> ${to}rpc_server, answers and refusals`,
    async () => {
      await using queue = testQueue("rpc_queue");
      const args = ["--queue", queue.name];
      await using _server = await startReady(`${to}rpc_server`, args, AWAITING_RPC);
      assert.deepEqual(await runOk(`${from}rpc_client`, [...args, "30"]), [
        " [x] Requesting fib(30)",
        " [.] Got 832040",
      ]);
      // The error reply's type crosses over: 0-9-1's message type is 1.0's x-basic-type annotation.
      await assertOneLineError(`${from}rpc_client`, [...args, "20000"], {
        code: 1,
        message: /^The server refused fib\(20000\): "20000" is not a whole number from 0 to 10000$/,
      });
    },
  );
}
