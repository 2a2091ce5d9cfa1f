import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { managementRequest } from "../lib/management.ts";
import { supportsStreams } from "../lib/stream.ts";
import { isLocalhost, urlParts } from "../lib/url.ts";
import {
  type BenchEnv,
  type Column,
  findNode,
  findPython,
  type Names,
  startColumn,
  type StartOptions,
} from "../bench/columns.ts";
import type { JobResult } from "../bench/report.ts";
import { AWAITING_RPC, WAITING, WAITING_LOGS } from "../tools/lib/ready_lines.ts";
import {
  assertExit,
  atExit,
  BROKER_URL,
  deleteExchanges,
  deleteQueues,
  ended,
  ENV,
  eventually,
  type Program,
  queuesBoundTo,
  queueState,
  runTask,
  stopped,
  test,
  testDir,
  testExchange,
  testQueue,
  testVhost,
  uniqueName,
  withChannel,
} from "./_helpers.ts";

const PHASES = [
  "publish",
  "confirm_individual",
  "confirm_batch",
  "confirm_async",
  "consume_prefetch_1",
  "consume_prefetch_10",
  "consume_prefetch_100",
  "producer_consumer",
  "rpc",
  "rpc_nagle",
];

/** The stream phases, on a broker that has streams (RabbitMQ 3.11+, stream plugin on). */
const STREAM_PHASES = [
  "stream_publish",
  "stream_consume",
  "stream_publish_amqp",
  "stream_consume_amqp",
];

const JOBS = [
  "worker",
  "receive",
  "receive_logs",
  "rpc_server",
  "publisher_confirms_individually",
  "publisher_confirms_batch",
  "publisher_confirms_async",
  "send",
  "new_task",
  "emit_log",
  "rpc_client",
];

interface Phase {
  id: string;
  label: string;
  runs: Record<string, number>[];
  median: Record<string, number>;
}

test("bench.ts --quick --amqp --json measures every AMQP phase and writes the figures with their context", async () => {
  await using dir = await testDir("bench-amqp");
  const file = `${dir.path}/bench.json`;
  const result = await runTask("bench", ["--quick", "--amqp", "--json", file], { env: ENV });
  assertExit(result, 0);
  const report = JSON.parse(await Deno.readTextFile(file));

  // The stream phases run on a broker that has streams; on another, one line says why not.
  const streams = supportsStreams(report.context.broker.version);
  const phases = streams ? [...PHASES, ...STREAM_PHASES] : PHASES;
  assert.deepEqual(report.phases.map((phase: Phase) => phase.id), phases);
  assert.equal(report.programs, undefined, "--amqp runs the AMQP phases only");
  for (const phase of report.phases as Phase[]) {
    assert.equal(phase.runs.length, 1, phase.id);
    assert.ok(phase.median.rate > 0 && Number.isFinite(phase.median.rate), phase.id);
    // Where the time goes: the loop's CPU time per message is always measured.
    assert.ok(phase.median.cpuUs > 0, `${phase.id}: ${JSON.stringify(phase.median)}`);
  }
  // And the broker's, when it runs on this machine (found through the management API).
  if (isLocalhost(BROKER_URL)) {
    assert.match(report.context.broker.osPid, /^\d+$/);
    const brokerUs = report.phases.map((phase: Phase) => phase.median.brokerCpuUs);
    assert.ok(brokerUs.every((us: number) => us >= 0), JSON.stringify(brokerUs));
    // /proc counts in 10 ms ticks: a short phase may show 0, but the broker did the work.
    assert.ok(brokerUs.reduce((a: number, b: number) => a + b) > 0, JSON.stringify(brokerUs));
  }
  const rpc = (id: string) => report.phases.find((phase: Phase) => phase.id === id).median;
  for (const id of ["rpc", "rpc_nagle"]) {
    assert.ok(rpc(id).p50Ms > 0 && rpc(id).p99Ms >= rpc(id).p50Ms, id);
  }
  // The point of noDelay: with Nagle's algorithm a small write can wait for the peer's
  // delayed TCP ack (40 ms on Linux). Load only adds to that, so it is a safe lower bound.
  assert.ok(rpc("rpc_nagle").p50Ms >= 20, JSON.stringify(rpc("rpc_nagle")));
  assert.ok(rpc("rpc_nagle").p50Ms > rpc("rpc").p50Ms);
  // The ratios of batches and async confirms to publishing without confirms are retired.
  for (const id of ["confirm_batch", "confirm_async"]) {
    assert.equal(report.phases.find((phase: Phase) => phase.id === id).target, undefined, id);
  }

  const { context, settings } = report;
  assert.equal(context.cpus, navigator.hardwareConcurrency);
  assert.equal(context.deno, Deno.version.deno);
  assert.match(context.amqplib, /^\d+\.\d+\.\d+$/);
  assert.match(context.broker.version, /^\d+\.\d+\.\d+/);
  assert.equal(settings.messageBytes, 100);
  assert.equal(settings.runs, 1);
  assert.deepEqual(report.failures, []);

  // The table on stdout is the one in the JSON, one row per phase.
  const table = result.stdout.filter((line) => line.startsWith("|"));
  assert.equal(table.length, 2 + phases.length);
  assert.equal(table.join("\n"), report.table);
  // Progress goes to stderr, one numbered line per run when stderr is not a terminal (the
  // three confirm strategies are one run of publisher_confirms.mjs; each stream client's
  // publishing and consuming, one run on one stream). Besides them: why there are no stream
  // phases, and on a broker that has just started, that the bench waits for its statistics.
  const noStreams = (line: string) => line.startsWith("No stream phases: ");
  const waited = /^Waiting for the first statistics of \S+@\S+, which has just started \.\.\.$/;
  const progress = result.stderr.filter((line) => !noStreams(line) && !waited.test(line));
  assert.equal(result.stderr.filter(noStreams).length, streams ? 0 : 1, result.stderr[0]);
  assert.equal(progress.length, phases.length - 2 - (streams ? 2 : 0));
  progress.forEach((line, i) =>
    assert.match(line, new RegExp(`^\\[${i + 1}/${progress.length}\\] `))
  );
  assert.equal(progress[0], `[1/${progress.length}] Publish, no confirms, run 1 of 1 ...`);
});

test("bench.ts --quick --programs --json runs every program beside its peers and gives both ratios, or why a column is missing", async () => {
  await using dir = await testDir("bench-programs");
  const file = `${dir.path}/bench.json`;
  const started = performance.now();
  const result = await runTask("bench", ["--quick", "--programs", "--json", file], { env: ENV });
  assertExit(result, 0);
  const seconds = (performance.now() - started) / 1000;
  const report = JSON.parse(await Deno.readTextFile(file));
  assert.equal(report.phases, undefined, "--programs runs the program phases only");
  const { jobs, rss, sendSteps, tables } = report.programs;

  assert.deepEqual(jobs.map((job: JobResult) => job.id), JOBS);
  assert.deepEqual(report.failures, []);
  for (const job of jobs as JobResult[]) {
    const figure = job.unit === "ms" ? "ms" : "rate";
    for (const column of ["program", "bare"] as const) {
      assert.equal(job.columns[column]?.runs.length, 1, `${job.id} ${column}`);
      assert.ok(job.columns[column]!.median[figure] > 0, `${job.id} ${column}`);
    }
    // Both ratios, each a number, or the sentence that says why the column is missing.
    const peers: Exclude<Column, "program">[] = job.id.startsWith("publisher_confirms")
      ? ["bare", "node", "pika"]
      : ["bare", "pika"];
    for (const peer of peers) {
      const ratio = job.ratios[peer];
      const why = job.missing[peer];
      assert.ok(
        (ratio !== undefined && ratio > 0 && Number.isFinite(ratio) && why === undefined) ||
          (ratio === undefined && typeof why === "string" && why.length > 10),
        `${job.id}: ${peer} ratio ${ratio}, missing ${why}`,
      );
    }
    assert.ok(job.target && typeof job.target.met === "boolean", job.id);
  }
  // No official Python tutorial 7: its pika column is always missing, and says so.
  const confirms = jobs.filter((job: JobResult) => job.id.startsWith("publisher_confirms"));
  for (const job of confirms) {
    assert.match(job.missing.pika, /no Python/);
    assert.ok(job.reference.ms > 0, "the Java tutorial's published figure");
  }
  // The RPC server's latencies, from the caller's side.
  const rpc = jobs.find((job: JobResult) => job.id === "rpc_server").columns.program.median;
  assert.ok(rpc.p50Ms > 0 && rpc.p99Ms >= rpc.p50Ms, JSON.stringify(rpc));
  // Peak memory of worker and receive, read from their deno process.
  assert.deepEqual(rss.map((r: { id: string }) => r.id), ["worker", "receive"]);
  for (const r of rss) assert.ok(r.peakBytes > 10 * 2 ** 20, JSON.stringify(r));
  // Where send's milliseconds go: every step measured.
  for (const step of ["task", "run", "start", "loaded", "connected", "closed", "exit"]) {
    assert.ok(sendSteps.deno[step] >= 0, `deno ${step}: ${JSON.stringify(sendSteps)}`);
  }

  // The tables on stdout are those in the JSON.
  const stdout = result.stdout.join("\n");
  // RabbitMQ 4.x: the AMQP 1.0 programs drain the backlogs of worker and receive, beside them.
  const amqp10 = report.programs.amqp10 as JobResult[];
  if (/^[4-9]\./.test(report.context.broker.version)) {
    assert.deepEqual(amqp10.map((job) => job.id), ["amqp10_worker", "amqp10_receive"]);
    for (const job of amqp10) assert.ok(job.columns.program!.median.rate > 0, job.id);
    assert.match(tables.amqp10, /\| amqp10:worker: drain .*\| .* \(worker\) +\| \d+\.\d\d /);
  } else {
    assert.deepEqual(amqp10, []);
    assert.match(stdout, /No AMQP 1\.0 table: RabbitMQ \S+ has no AMQP 1\.0/);
  }
  for (const [name, table] of Object.entries(tables as Record<string, string>)) {
    assert.ok(stdout.includes(table), `the ${name} table is printed`);
  }
  // One progress line per step on stderr, numbered.
  const steps = result.stderr.filter((line) => /^\[\d+\/\d+\] /.test(line));
  assert.match(steps[0], /^\[1\/(\d+)\] worker, run 1 of 1: the program \.\.\.$/);
  assert.equal(steps.length, Number(steps[0].match(/\/(\d+)\]/)![1]));
  // About 20 s on an idle 2-core machine; this only catches counts grown by mistake.
  assert.ok(seconds < 90, `took ${seconds.toFixed(0)} s`);
});

test("bench.ts refuses a --json file it cannot write, before measuring anything", async () => {
  const result = await runTask("bench", ["--quick", "--json", "/nonexistent-dir/bench.json"], {
    env: ENV,
  });
  assertExit(result, 1);
  assert.equal(result.stderr.length, 1, JSON.stringify(result.stderr));
  assert.match(result.stderr[0], /^Cannot write the --json file "\/nonexistent-dir\/bench.json": /);
});

test("bench.ts records a failed run, says so and ends its job there: nothing is measured again", async () => {
  await using vhost = await testVhost();
  const { url } = vhost;
  // A vhost where the bench may publish and consume but not declare: every job fails.
  const user = encodeURIComponent(urlParts(BROKER_URL).user);
  await managementRequest(
    BROKER_URL,
    `/api/permissions/${encodeURIComponent(urlParts(url).vhost)}/${user}`,
    { method: "PUT", body: { configure: "^$", write: ".*", read: ".*" } },
  );
  await using dir = await testDir("bench-failures");
  const file = `${dir.path}/bench.json`;
  const args = ["--amqp", "--quick", "--runs", "2", "--url", url, "--json", file];
  const result = await runTask("bench", args, { env: ENV });
  assertExit(result, 1);
  const { failures, phases } = JSON.parse(await Deno.readTextFile(file));
  // Each job failed in its first run, and that ended it: no second run, no second try.
  const jobs = new Set(failures.map(({ what }: { what: string }) => what.split(", run ")[0]));
  assert.ok(failures.length >= 8, JSON.stringify(failures));
  assert.equal(jobs.size, failures.length, JSON.stringify(failures));
  for (const { what, error } of failures) {
    assert.match(what, /, run 1 of 2$/);
    assert.ok(error.length > 10, error);
    assert.ok(
      result.stdout.includes(
        `Failed, and not measured again: ${what} (${error}); the rest of its job is left out`,
      ),
      what,
    );
  }
  for (const phase of phases) assert.deepEqual(phase.runs, [], phase.id);
  assert.equal(
    result.stderr.at(-1),
    `${failures.length} runs failed, each ending its job (see "Failed" above); the tables show the runs before`,
  );
});

test("bench peers: PREFETCH, QUEUE_TYPE and COUNT set the bare loops' prefetch, queue type and message count", async () => {
  const env: BenchEnv = { url: BROKER_URL };
  await using queue = testQueue("prefetch");
  const names = { queue: queue.name };
  const classic = { QUEUE_TYPE: "classic" };
  await using worker = await startHeld(env, "bare", "worker", names, {
    env: { ...classic, PREFETCH: "10" },
  });
  await worker.waitFor(WAITING);
  assert.deepEqual(await declaredAndConsumed(queue.name), {
    queue: { ...QUORUM_QUEUE, arguments: { "x-queue-type": "classic" } },
    consumer: { prefetch: 10, ack: true },
  });
  const send = await startColumn(env, "bare", "send", names, { env: { ...classic, COUNT: "25" } });
  assertExit(await ended(send), 0, "send (bare)");
  assert.equal(send.stdout.filter((line) => line === " [x] Sent 'Hello World!'").length, 25);
  await worker.waitFor("[x] Done", { count: 25 });
});

// The peers are honest: each pika peer and each bare loop does the same AMQP work as our
// program, checked from the broker's side (management API) and by the messages at the end.

const VHOST = encodeURIComponent(urlParts(BROKER_URL).vhost);

interface QueueInfo {
  durable: boolean;
  exclusive: boolean;
  auto_delete: boolean;
  arguments: Record<string, unknown>;
  consumer_details: { prefetch_count: number; ack_required: boolean }[];
}

async function queueInfo(queue: string): Promise<QueueInfo> {
  return await managementRequest(
    BROKER_URL,
    `/api/queues/${VHOST}/${encodeURIComponent(queue)}`,
  ) as QueueInfo;
}

/** The queue's declaration and its consumer, once the statistics list the consumer. */
async function declaredAndConsumed(queue: string) {
  let info: QueueInfo | undefined;
  await eventually(`the broker lists the consumer of "${queue}"`, async () => {
    info = await queueInfo(queue);
    return info.consumer_details.length > 0;
  }, 20_000);
  const { durable, exclusive, auto_delete, arguments: args, consumer_details: [consumer] } = info!;
  return {
    queue: { durable, exclusive, auto_delete, arguments: args },
    consumer: { prefetch: consumer.prefetch_count, ack: consumer.ack_required },
  };
}

async function columnsHere(): Promise<{ env: BenchEnv; columns: Column[] }> {
  const { python, why } = await findPython(() => {});
  if (why) console.log(`No pika peers to check: ${why}`);
  return {
    env: { url: BROKER_URL, python },
    columns: python ? ["program", "bare", "pika"] : ["program", "bare"],
  };
}

/**
 * Stops a column's program as Ctrl+C does: ours and the bare loops must exit 0
 * (pika's programs have no Ctrl+C handler: their exit code says nothing).
 */
async function stopColumn(column: Column, task: string, program: Program): Promise<void> {
  const result = await stopped(program);
  if (column !== "pika") assertExit(result, 0, `${task} (${column}), after SIGINT,`);
}

/** Starts a column's program, held by the test: stopped at scope exit (`await using`). */
async function startHeld(
  r: BenchEnv,
  column: Column,
  task: string,
  names: Names,
  options: StartOptions = {},
): Promise<Program & AsyncDisposable> {
  const program = await startColumn(r, column, task, names, options);
  return Object.assign(program, atExit(() => stopColumn(column, task, program)));
}

/**
 * Starts every column at once, each on its own names, and waits for their
 * ready lines; held by the test, they are stopped at scope exit, or with
 * `stop()` before.
 */
async function startAll(
  r: BenchEnv,
  columns: Column[],
  task: string,
  names: (column: Column) => Names,
  ready: RegExp | string,
) {
  const running = new Map<Column, Program>();
  const stop = async () => {
    for (const [column, program] of running) await stopColumn(column, task, program);
  };
  try {
    for (const column of columns) {
      running.set(column, await startColumn(r, column, task, names(column), { longRunning: true }));
    }
    for (const [column, program] of running) {
      await program.waitFor(ready).catch((error) => {
        throw new Error(`${column}: ${error.message}`);
      });
    }
  } catch (error) {
    for (const program of running.values()) await program.stop("SIGKILL");
    throw error;
  }
  return Object.assign(atExit(stop), { get: (column: Column) => running.get(column)!, stop });
}

const QUORUM_QUEUE = {
  durable: true,
  exclusive: false,
  auto_delete: false,
  arguments: { "x-queue-type": "quorum" },
};

const CONSUMERS = [
  {
    task: "worker",
    does: ", prefetch 1, ack every task",
    consumer: { prefetch: 1, ack: true },
    persistent: true,
    last: "[x] Done",
  },
  {
    task: "receive",
    does: " and consume with auto-ack",
    consumer: { prefetch: 0, ack: false },
    persistent: false,
    last: "[x] Received",
  },
];

/** A name of the test's own for each column (`uniqueName`), deleted at scope exit with `gone`. */
function namesOf(columns: Column[], prefix: string, gone: (...names: string[]) => Promise<void>) {
  const names = Object.fromEntries(columns.map((v) => [v, uniqueName(`${prefix}.${v}`)]));
  return Object.assign(atExit(() => gone(...Object.values(names))), { of: names });
}

for (const { task, does, consumer, persistent, last } of CONSUMERS) {
  test(`bench peers: the ${task} loops declare the durable quorum queue${does}`, async () => {
    const { env: r, columns } = await columnsHere();
    await using queues = namesOf(columns, task, deleteQueues);
    await using running = await startAll(
      r,
      columns,
      task,
      (v) => ({ queue: queues.of[v] }),
      WAITING,
    );
    for (const column of columns) {
      const seen = await declaredAndConsumed(queues.of[column]);
      assert.deepEqual(seen, { queue: QUORUM_QUEUE, consumer }, column);
      await withChannel(async (channel) => {
        for (let i = 1; i <= 5; i++) {
          channel.sendToQueue(queues.of[column], Buffer.from(`${task} ${i}`), { persistent });
        }
        await channel.close();
      });
      const received = await running.get(column).waitFor("[x] Received", { count: 5 });
      assert.match(received[4], new RegExp(`${task} 5`), column);
      await running.get(column).waitFor(last, { count: 5 });
    }
    await running.stop();
    // Every message acked (or auto-acked): none came back to the queue when they stopped.
    for (const column of columns) {
      const { messageCount } = await withChannel((ch) => ch.checkQueue(queues.of[column]));
      assert.equal(messageCount, 0, column);
    }
  });
}

test("bench peers: the receive_logs loops bind an exclusive server-named queue to the fanout exchange, auto-ack", async () => {
  const { env: r, columns } = await columnsHere();
  await using exchanges = namesOf(columns, "logs", deleteExchanges);
  await using running = await startAll(
    r,
    columns,
    "receive_logs",
    (v) => ({ exchange: exchanges.of[v] }),
    WAITING_LOGS,
  );
  for (const column of columns) {
    const exchange = exchanges.of[column];
    const { type, durable } = await managementRequest(
      BROKER_URL,
      `/api/exchanges/${VHOST}/${encodeURIComponent(exchange)}`,
    ) as { type: string; durable: boolean };
    assert.deepEqual({ type, durable }, { type: "fanout", durable: false }, column);
    const [queue, ...others] = await queuesBoundTo(exchange);
    assert.equal(others.length, 0, column);
    assert.match(queue, /^amq\.gen-/, `${column}: a server-named queue`);
    const { queue: declared, consumer } = await declaredAndConsumed(queue);
    // Durability of an exclusive queue is each library's default (amqplib: durable, pika:
    // not); it changes nothing per message, as the messages are transient and the queue
    // goes with its connection.
    assert.deepEqual(
      { exclusive: declared.exclusive, auto_delete: declared.auto_delete, consumer },
      { exclusive: true, auto_delete: false, consumer: { prefetch: 0, ack: false } },
      column,
    );
    await withChannel(async (channel) => {
      for (let i = 1; i <= 5; i++) channel.publish(exchange, "", Buffer.from(`log ${i}`));
      await channel.close();
    });
    const lines = await running.get(column).waitFor(/^ \[x\] log/, { count: 5 });
    assert.equal(lines[4], " [x] log 5", column);
  }
});

test("bench peers: the rpc_server loops declare the durable quorum queue, prefetch 1, reply with the correlation id and ack", async () => {
  const { env: r, columns } = await columnsHere();
  await using queues = namesOf(columns, "rpc_queue", deleteQueues);
  await using running = await startAll(
    r,
    columns,
    "rpc_server",
    (v) => ({ queue: queues.of[v] }),
    AWAITING_RPC,
  );
  for (const column of columns) {
    const seen = await declaredAndConsumed(queues.of[column]);
    assert.deepEqual(
      seen,
      { queue: QUORUM_QUEUE, consumer: { prefetch: 1, ack: true } },
      column,
    );
    const replies = await withChannel(async (channel) => {
      const { queue: replyTo } = await channel.assertQueue("", { exclusive: true });
      const got: { id?: string; body: string }[] = [];
      await channel.consume(replyTo, (msg) => {
        if (msg) got.push({ id: msg.properties.correlationId, body: msg.content.toString() });
      }, { noAck: true });
      for (const n of [10, 20, 30]) {
        channel.sendToQueue(queues.of[column], Buffer.from(String(n)), {
          replyTo,
          correlationId: `call-${n}`,
        });
      }
      await eventually("three replies", () => Promise.resolve(got.length === 3));
      return got;
    });
    assert.deepEqual(replies, [
      { id: "call-10", body: "55" },
      { id: "call-20", body: "6765" },
      { id: "call-30", body: "832040" },
    ], column);
  }
  await running.stop();
  for (const column of columns) {
    const { messageCount } = await withChannel((ch) => ch.checkQueue(queues.of[column]));
    assert.equal(messageCount, 0, `${column}: every request acked`);
  }
});

test("bench peers: the one-shot loops declare and publish what the programs do", async () => {
  const { env: r, columns } = await columnsHere();
  const launch = async (column: Column, task: string, names: Names, args: string[] = []) => {
    const program = await startColumn(r, column, task, names, { args });
    assertExit(await ended(program), 0, `${task} (${column})`);
    return program.stdout;
  };
  await using hello = testQueue("hello");
  await using taskQueue = testQueue("task_queue");
  await using logsExchange = testExchange("logs");
  await using subscriber = testQueue("logs.subscriber");
  await using rpc = testQueue("rpc_queue");
  const [queue, tasks, exchange, logs, rpcQueue] = [hello, taskQueue, logsExchange, subscriber, rpc]
    .map(({ name }) => name);
  // send: the durable quorum queue, and 'Hello World!' in it once per column.
  for (const column of columns) await launch(column, "send", { queue });
  assert.deepEqual((await queueInfo(queue)).arguments, QUORUM_QUEUE.arguments);
  assert.deepEqual(
    (await drain(queue)).map((msg) => msg.body),
    columns.map(() => "Hello World!"),
  );

  // new_task: the durable quorum queue, a persistent task per column.
  for (const column of columns) await launch(column, "new_task", { queue: tasks });
  const { durable, arguments: args } = await queueInfo(tasks);
  assert.deepEqual({ durable, args }, { durable: true, args: QUORUM_QUEUE.arguments });
  const taskMessages = await drain(tasks);
  assert.equal(taskMessages.length, columns.length);
  for (const msg of taskMessages) {
    assert.deepEqual(msg, { body: "Hello World!", deliveryMode: 2 });
  }

  // emit_log: declaring the exchange as the test did (fanout, not durable) does not
  // fail, and each column's message reaches the subscriber's queue.
  await withChannel(async (channel) => {
    await channel.assertExchange(exchange, "fanout", { durable: false });
    await channel.assertQueue(logs);
    await channel.bindQueue(logs, exchange, "");
  });
  for (const column of columns) await launch(column, "emit_log", { exchange });
  const logMessages = await drain(logs);
  assert.deepEqual(
    logMessages.map((msg) => msg.body),
    columns.map(() => "info: Hello World!"),
  );

  // rpc_client: a request with reply_to and a correlation id, answered by the test's server.
  // The reply_to is the Direct Reply-To of the client's channel for our program and the bare
  // loop, as for the official rpc_client.js; pika's, as the official rpc_client.py, an exclusive
  // server-named queue.
  const requests: { body: string; replyTo: string; correlationId: string }[] = [];
  await withChannel(async (channel) => {
    await channel.assertQueue(rpcQueue, { durable: true, arguments: QUORUM_QUEUE.arguments });
    await channel.consume(rpcQueue, (msg) => {
      if (!msg) return;
      const { replyTo, correlationId } = msg.properties;
      requests.push({ body: msg.content.toString(), replyTo, correlationId });
      channel.sendToQueue(replyTo, Buffer.from("832040"), { correlationId });
      channel.ack(msg);
    });
    for (const column of columns) {
      const stdout = await launch(column, "rpc_client", { queue: rpcQueue }, ["30"]);
      assert.equal(stdout.at(-1), " [.] Got 832040", column);
    }
  });
  assert.equal(requests.length, columns.length);
  for (const [i, request] of requests.entries()) {
    assert.equal(request.body, "30");
    const replyTo = columns[i] === "pika" ? /^amq\.gen-/ : /^amq\.rabbitmq\.reply-to\./;
    assert.match(request.replyTo, replyTo, columns[i]);
    assert.ok(request.correlationId.length >= 8, request.correlationId);
  }
});

test("bench peers: the publisher_confirms loops on Deno and Node.js publish every message three ways, as the program does", async () => {
  const { node, why } = await findNode();
  if (why) console.log(`No Node.js loops to check: ${why}`);
  const r: BenchEnv = { url: BROKER_URL, node };
  const columns: Column[] = node ? ["program", "bare", "node"] : ["program", "bare"];
  for (const column of columns) {
    const prefix = uniqueName("publisher_confirms");
    const program = await startColumn(r, column, "publisher_confirms", { queue: prefix }, {
      args: column === "program" ? ["--count", "300"] : [],
      env: { COUNT: "300" },
    });
    // Each checks that its queue holds every message (exit code 1 otherwise), then deletes it.
    assertExit(await ended(program), 0, `publisher_confirms (${column})`);
    assert.deepEqual(
      program.stdout.map((line) => line.replace(/ in [\d,]+ ms$/, "")),
      [
        "Published 300 messages individually",
        "Published 300 messages in batch",
        "Published 300 messages and handled confirms asynchronously",
      ],
      column,
    );
    for (const strategy of ["individually", "batch", "async"]) {
      assert.equal(await queueState(`${prefix}.${strategy}`), "missing", column);
    }
  }
});

/** Takes every message off a queue: body and delivery mode. */
async function drain(queue: string): Promise<{ body: string; deliveryMode?: number }[]> {
  return await withChannel(async (channel) => {
    const messages = [];
    const next = () => channel.get(queue, { noAck: true });
    for (let msg = await next(); msg; msg = await next()) {
      messages.push({ body: msg.content.toString(), deliveryMode: msg.properties.deliveryMode });
    }
    return messages;
  });
}
