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
  deleteExchanges,
  deleteQueues,
  ENV,
  Program,
  runTask,
  startReady,
  stopThenClean,
  uniqueName,
} from "./_helpers.ts";
import { amqp10Test } from "./peers/amqp10/support.ts";

async function run(task: string, args: string[]) {
  const result = await runTask(task, args, { env: ENV });
  assert.equal(result.code, 0, `${task} ${args.join(" ")}: ${result.stderr.join("\n")}`);
  return result;
}

const lines = (program: Program) => program.stdout.filter((line) => line.startsWith(" [x] "));

/** Both directions of a pair of programs: AMQP 0-9-1 to AMQP 1.0, and back. */
const DIRECTIONS = [
  { from: "", to: "amqp10:", name: "AMQP 0-9-1 to AMQP 1.0" },
  { from: "amqp10:", to: "", name: "AMQP 1.0 to AMQP 0-9-1" },
];

for (const { from, to, name } of DIRECTIONS) {
  amqp10Test(`hello, ${name}: ${from}send -> ${to}receive`, async () => {
    const queue = uniqueName("hello");
    const receiver = await startReady(`${to}receive`, ["--queue", queue], WAITING);
    try {
      await run(`${from}send`, ["--queue", queue]);
      await run(`${from}send`, ["--queue", queue, "ünïcødé ✓"]);
      await receiver.waitFor("[x] Received 'ünïcødé ✓'");
      assert.deepEqual(lines(receiver), [
        " [x] Received 'Hello World!'",
        " [x] Received 'ünïcødé ✓'",
      ]);
    } finally {
      await stopThenClean(receiver, () => deleteQueues(queue));
    }
    assert.deepEqual(receiver.stderr, []);
  });

  amqp10Test(
    `task_queue, ${name}: ${from}new_task -> two ${to}workers, one task each at a time`,
    async () => {
      const queue = uniqueName("task_queue");
      const workers = [
        await startReady(`${to}worker`, ["--queue", queue], WAITING),
        await startReady(`${to}worker`, ["--queue", queue], WAITING),
      ];
      try {
        await run(`${from}new_task`, ["--queue", queue, "long...."]);
        const busy = await Promise.any(
          workers.map((worker) => worker.waitFor("[x] Received 'long....'").then(() => worker)),
        );
        const free = workers.find((worker) => worker !== busy)!;
        for (const task of ["short 1", "short 2"]) {
          await run(`${from}new_task`, ["--queue", queue, task]);
        }
        await free.waitFor("[x] Done", { count: 2 });
        // The busy worker has no credit (or prefetch) left: it is offered nothing while it works.
        assert.deepEqual(lines(busy), [" [x] Received 'long....'"]);
        assert.deepEqual(
          lines(free).filter((line) => line.includes("Received")),
          [
            " [x] Received 'short 1'",
            " [x] Received 'short 2'",
          ],
        );
        await busy.waitFor("[x] Done");
      } finally {
        await stopThenClean(workers, () => deleteQueues(queue));
      }
    },
  );

  amqp10Test(`logs, ${name}: ${from}emit_log -> ${to}receive_logs`, async () => {
    const exchange = uniqueName("logs");
    const receiver = await startReady(`${to}receive_logs`, ["--exchange", exchange], WAITING_LOGS);
    try {
      await run(`${from}emit_log`, ["--exchange", exchange, "warning: disk almost full"]);
      await receiver.waitFor("[x] warning: disk almost full");
    } finally {
      await stopThenClean(receiver, () => deleteExchanges(exchange));
    }
  });

  amqp10Test(
    `direct_logs, ${name}: ${from}emit_log_direct -> ${to}receive_logs_direct`,
    async () => {
      const exchange = uniqueName("direct_logs");
      const receiver = await startReady(
        `${to}receive_logs_direct`,
        ["--exchange", exchange, "error"],
        WAITING_LOGS,
      );
      try {
        await run(`${from}emit_log_direct`, ["--exchange", exchange, "info", "ignored"]);
        await run(`${from}emit_log_direct`, ["--exchange", exchange, "error", "Run."]);
        await receiver.waitFor("[x] 'error':'Run.'");
        assert.deepEqual(lines(receiver), [" [x] 'error':'Run.'"]);
      } finally {
        await stopThenClean(receiver, () => deleteExchanges(exchange));
      }
    },
  );

  amqp10Test(`topic_logs, ${name}: ${from}emit_log_topic -> ${to}receive_logs_topic`, async () => {
    const exchange = uniqueName("topic_logs");
    const receiver = await startReady(
      `${to}receive_logs_topic`,
      ["--exchange", exchange, "*.critical"],
      WAITING_LOGS,
    );
    try {
      await run(`${from}emit_log_topic`, ["--exchange", exchange, "kern.info", "ignored"]);
      await run(`${from}emit_log_topic`, ["--exchange", exchange, "kern.critical", "Down"]);
      await receiver.waitFor("[x] 'kern.critical':'Down'");
      assert.deepEqual(lines(receiver), [" [x] 'kern.critical':'Down'"]);
    } finally {
      await stopThenClean(receiver, () => deleteExchanges(exchange));
    }
  });

  amqp10Test(
    `rpc_queue, ${name}: ${from}rpc_client -> ${to}rpc_server, answers and refusals`,
    async () => {
      const queue = uniqueName("rpc_queue");
      const server = await startReady(`${to}rpc_server`, ["--queue", queue], AWAITING_RPC);
      try {
        const answer = await run(`${from}rpc_client`, ["--queue", queue, "30"]);
        assert.deepEqual(answer.stdout, [" [x] Requesting fib(30)", " [.] Got 832040"]);
        // The error reply's type crosses over: 0-9-1's message type is 1.0's x-basic-type annotation.
        const refused = await runTask(`${from}rpc_client`, ["--queue", queue, "20000"], {
          env: ENV,
        });
        assert.equal(refused.code, 1);
        assert.deepEqual(refused.stderr, [
          'The server refused fib(20000): "20000" is not a whole number from 0 to 10000',
        ]);
      } finally {
        await stopThenClean(server, () => deleteQueues(queue));
      }
    },
  );
}
