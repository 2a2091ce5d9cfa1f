/**
 * When messages fail (docs/failures.md), on the real broker: a poison task
 * dead-lettered and read back in words, the delivery limit and which
 * returns count toward it (each version's behaviour asserted as measured
 * on RabbitMQ 3.10.8 and 4.3.6), retries after a delay (wait queues, and
 * 4.3's delayed retry), a consumer that holds a task too long, a pika
 * worker's dead letters, and the programs' bad input.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import type { GetMessage } from "amqplib";
import { findPython } from "../bench/columns.ts";
import { managementRequest } from "../lib/management.ts";
import { urlParts } from "../lib/url.ts";
import { atLeast } from "../lib/require_version.ts";
import { brokerCtl } from "../tools/lib/broker.ts";
import { WAITING } from "../tools/lib/ready_lines.ts";
import {
  assertExit,
  assertOneLineError,
  atExit,
  BROKER_URL,
  brokerVersionAt,
  cannotRestartReason,
  deleteExchanges,
  deleteQueues,
  ended,
  ENV,
  eventually,
  getOne,
  KILLED,
  Program,
  queueState,
  runOk,
  runTask,
  startReady,
  stopped,
  test,
  testName,
  uniqueName,
  waitForDepth,
} from "./_helpers.ts";

const VERSION = await brokerVersionAt();
/** The test broker's vhost, as the management API's paths spell it. */
const VHOST = encodeURIComponent(urlParts(BROKER_URL).vhost);
/** RabbitMQ 4.3+: a nack does not count toward the delivery limit; delayed retry; timeouts by basic.cancel. */
const V43 = atLeast(VERSION, "4.3");
/**
 * The behaviour asserted here was measured on RabbitMQ 3.10.8 and 4.3.6
 * (docs/failures.md); 3.11 to 4.2 differ from both in ways not measured,
 * so there the tests of a version's behaviour say so and skip.
 */
const unmeasured = VERSION.startsWith("3.10.") || V43
  ? undefined
  : `measured on RabbitMQ 3.10 and 4.3 only, and this broker is ${VERSION}`;

/**
 * A work queue and its dead letters (an exchange and a queue of one name)
 * of the test's own, with the flags that name them; deleted at scope exit
 * with the wait queues of `delays`.
 */
function testNames(delays: number[] = []) {
  const queue = uniqueName("failing_tasks");
  const deadLetters = uniqueName("dead_letters");
  const waits = delays.map((delay) => `${queue}.wait_${delay}ms`);
  return Object.assign(
    atExit(async () => {
      await deleteQueues(queue, deadLetters, ...waits);
      await deleteExchanges(deadLetters);
    }),
    { queue, deadLetters, flags: ["--queue", queue, "--dead-letters", deadLetters] },
  );
}

/** A line and when the test read it. */
interface Timed {
  line: string;
  at: number;
}

/** Starts a worker of this track; `timed` collects its lines with their arrival times. */
function startWorker(task: string, args: string[], timed: Timed[] = []) {
  return startReady(task, args, WAITING, {
    onLine: (line) => timed.push({ line, at: performance.now() }),
  });
}

async function sendTask(queue: string, task: string): Promise<void> {
  assert.deepEqual(await runOk("send_task", ["--queue", queue, task]), [` [x] Sent '${task}'`]);
}

/** The one dead letter the queue holds, once it is there. */
async function deadLetter(deadLetters: string): Promise<GetMessage> {
  await waitForDepth(deadLetters, 1);
  const msg = await getOne(deadLetters);
  assert.ok(msg, "a dead letter");
  return msg;
}

/** Each x-death entry as [queue, reason, count], the latest first. */
function deaths(msg: GetMessage): [string, string, number][] {
  const entries = (msg.properties.headers?.["x-death"] ?? []) as {
    queue: string;
    reason: string;
    count: number;
  }[];
  return entries.map(({ queue, reason, count }) => [queue, reason, count]);
}

const received = (worker: Program) => worker.stdout.filter((line) => line.includes("[x] Received"));

/** What dead_letters prints for a task rejected once from `queue`. */
const rejectedOnce = (task: string, queue: string) => [
  ` [x] Dead letter '${task}'`,
  `     from "${queue}": rejected by a consumer (basic.reject or basic.nack without requeue), 1 time`,
  `     first dead-lettered from "${queue}": rejected`,
];

// ---------------------------------------------------------------- reject, and the dead letters

test("failing_worker rejects a poison task, the broker dead-letters it, and dead_letters reads its x-death in words", async () => {
  await using names = testNames();
  await using worker = await startWorker("failing_worker", names.flags);
  await sendTask(names.queue, "poison");
  await sendTask(names.queue, "fine.");
  await worker.waitFor(" [x] Done");
  assert.deepEqual(worker.stdout.slice(1), [
    " [x] Received 'poison'",
    " [!] Failed 'poison': basic.reject, requeue false",
    " [x] Received 'fine.'",
    " [x] Done",
  ]);

  await using reader = await startWorker("dead_letters", ["--queue", names.deadLetters]);
  await reader.waitFor("first dead-lettered");
  assert.deepEqual(reader.stdout.slice(1), rejectedOnce("poison", names.queue));
  await waitForDepth(names.deadLetters, 0); // dead_letters acked it
});

// ---------------------------------------------------------------- the delivery limit

test({
  name: testName(
    "failing_worker --requeue --delivery-limit 2: a poison task is delivered 3 times, then dead-lettered for delivery_limit",
    unmeasured,
  ),
  ignore: unmeasured !== undefined,
  async fn() {
    await using names = testNames();
    await using worker = await startWorker("failing_worker", [
      ...names.flags,
      "--requeue",
      "--delivery-limit",
      "2",
    ]);
    await sendTask(names.queue, "poison");
    const msg = await deadLetter(names.deadLetters);
    assert.deepEqual(deaths(msg), [[names.queue, "delivery_limit", 1]]);
    assert.equal(msg.properties.headers?.["x-first-death-reason"], "delivery_limit");
    // 4.3 also counts every delivery in x-acquired-count.
    const acquired = (n: number) => V43 ? `, x-acquired-count ${n}` : "";
    assert.deepEqual(received(worker), [
      " [x] Received 'poison'",
      ` [x] Received 'poison' (redelivered, x-delivery-count 1${acquired(1)})`,
      ` [x] Received 'poison' (redelivered, x-delivery-count 2${acquired(2)})`,
    ]);
  },
});

test({
  name: testName(
    `failing_worker --requeue without a limit: ${
      V43
        ? "RabbitMQ 4.x's default limit of 20 dead-letters the task at its 21st delivery"
        : "RabbitMQ 3.x has no default limit, so the task keeps coming back"
    }`,
    unmeasured,
  ),
  ignore: unmeasured !== undefined,
  async fn() {
    await using names = testNames();
    await using worker = await startWorker("failing_worker", [...names.flags, "--requeue"]);
    await sendTask(names.queue, "poison");
    if (V43) {
      const msg = await deadLetter(names.deadLetters);
      assert.deepEqual(deaths(msg), [[names.queue, "delivery_limit", 1]]);
      assert.equal(received(worker).length, 21);
    } else {
      // Bounded by the test: 100 deliveries, and it is still cycling.
      await worker.waitFor("[x] Received 'poison'", { count: 100 });
      assert.ok(
        received(worker).includes(" [x] Received 'poison' (redelivered, x-delivery-count 99)"),
      );
      assert.equal(await queueState(names.deadLetters), "exists");
      await waitForDepth(names.deadLetters, 0);
    }
  },
});

test({
  name: testName(
    `failing_worker --requeue --nack --delivery-limit 2: ${
      V43
        ? "on RabbitMQ 4.3 a nack does not count, so the task keeps coming back"
        : "a nack counts, so the task is dead-lettered after 3 deliveries"
    }`,
    unmeasured,
  ),
  ignore: unmeasured !== undefined,
  async fn() {
    await using names = testNames();
    const args = [...names.flags, "--requeue", "--nack", "--delivery-limit", "2"];
    await using worker = await startWorker("failing_worker", args);
    await sendTask(names.queue, "poison");
    if (V43) {
      // Bounded by the test: 30 deliveries, no x-delivery-count, nothing dead-lettered.
      await worker.waitFor("[x] Received 'poison'", { count: 30 });
      assert.equal(
        received(worker)[29],
        " [x] Received 'poison' (redelivered, x-acquired-count 29)",
      );
      assert.ok(worker.stdout.every((line) => !line.includes("x-delivery-count")));
      await waitForDepth(names.deadLetters, 0);
    } else {
      const msg = await deadLetter(names.deadLetters);
      assert.deepEqual(deaths(msg), [[names.queue, "delivery_limit", 1]]);
      assert.equal(received(worker).length, 3);
      assert.ok(worker.stdout.includes(" [!] Failed 'poison': basic.nack, requeue true"));
    }
  },
});

test({
  name: testName(
    "a worker killed with a task in hand counts toward the limit: killed twice, --delivery-limit 1 dead-letters the task",
    unmeasured,
  ),
  ignore: unmeasured !== undefined,
  async fn() {
    await using names = testNames();
    const args = [...names.flags, "--delivery-limit", "1"];
    await using first = await startWorker("failing_worker", args);
    await sendTask(names.queue, "slow...");
    await first.waitFor("[x] Received 'slow...'");
    await using second = await startWorker("failing_worker", args);
    assertExit(await stopped(first, "SIGKILL"), KILLED);
    const acquired = V43 ? ", x-acquired-count 1" : "";
    await second.waitFor(`[x] Received 'slow...' (redelivered, x-delivery-count 1${acquired})`);
    assertExit(await stopped(second, "SIGKILL"), KILLED);
    const msg = await deadLetter(names.deadLetters);
    assert.deepEqual(deaths(msg), [[names.queue, "delivery_limit", 1]]);
  },
});

// ---------------------------------------------------------------- a consumer that holds a task too long

/**
 * Sets the broker's application settings (one `rabbitmqctl eval`) until
 * `restore()` or scope exit, whichever comes first: for settings the broker
 * has no per-queue form of, changed only for the test that needs them.
 */
async function brokerSettings(settings: Record<string, number>) {
  const ctlEval = (expressions: string[]) =>
    brokerCtl(BROKER_URL, ["eval", `${expressions.join(", ")}.`]);
  const names = Object.keys(settings);
  const before = await ctlEval([
    `Old = [{K, application:get_env(rabbit, K)} || K <- [${names.join(", ")}]]`,
    ...names.map((name) => `application:set_env(rabbit, ${name}, ${settings[name]})`),
    "Old",
  ]);
  let restored = false;
  const restore = async () => {
    if (restored) return;
    restored = true;
    await ctlEval(names.map((name) => {
      const value = before.match(new RegExp(`\\{${name},\\{ok,([^}]*)\\}\\}`))?.[1];
      return value === undefined
        ? `application:unset_env(rabbit, ${name})`
        : `application:set_env(rabbit, ${name}, ${value})`;
    }));
  };
  return Object.assign(atExit(restore), { restore });
}

/** A policy of the test's own on one queue (management API), deleted by `remove()` or at scope exit. */
async function queuePolicy(queue: string, definition: Record<string, unknown>) {
  const path = `/api/policies/${VHOST}/${encodeURIComponent(uniqueName("policy"))}`;
  const pattern = `^${queue.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`;
  await managementRequest(BROKER_URL, path, {
    method: "PUT",
    body: { pattern, definition, "apply-to": "quorum_queues", priority: 10 },
  });
  let removed = false;
  const remove = async () => {
    if (removed) return;
    removed = true;
    await managementRequest(BROKER_URL, path, { method: "DELETE" });
  };
  return Object.assign(atExit(remove), { remove });
}

/** Why the consumer-timeout test cannot run here: 3.x needs rabbitmqctl for it. */
const noTimeoutTest = unmeasured ?? (V43 ? undefined : await cannotRestartReason());

test({
  name: testName(
    `a worker that holds a task past the consumer timeout says so and exits 1; ${
      V43 ? "4.3 cancels its consumer (basic.cancel)" : "3.10 closes its channel"
    }; another worker does the task, nothing lost`,
    noTimeoutTest,
  ),
  ignore: noTimeoutTest !== undefined,
  async fn() {
    await using names = testNames();
    const TIMEOUT_MS = 1000;
    // 4.3: a policy on the test's queue. 3.x has none: the broker-wide setting, for this test alone,
    // checked every 200 ms instead of every minute; a channel keeps the timeout it opened with.
    await using policy = V43
      ? await queuePolicy(names.queue, { "consumer-timeout": TIMEOUT_MS })
      : undefined;
    await using settings = V43
      ? undefined
      : await brokerSettings({ consumer_timeout: TIMEOUT_MS, channel_tick_interval: 200 });
    await using slow = await startWorker("failing_worker", names.flags);

    await sendTask(names.queue, "slow...");
    await slow.waitFor("[x] Received 'slow...'");
    const result = await ended(slow, 10_000);
    assertExit(result, 1);
    const after = V43 ? "" : ` \\(${TIMEOUT_MS.toLocaleString("en-US")} ms\\)`;
    assert.match(
      result.stderr.join("\n"),
      new RegExp(
        `^The broker at "[^"]+" took back a message this consumer held without an ack for longer than the consumer timeout${after} and requeued it for another consumer; make the work shorter or raise the timeout`,
      ),
    );
    assert.equal(result.stderr.length, 1);
    assert.ok(!slow.stdout.includes(" [x] Done"));
    // Workers started from now on get the broker's default timeout.
    await policy?.remove();
    await settings?.restore();
    if (V43) {
      await eventually("the policy no longer applies", async () => {
        const { policy } = await managementRequest(
          BROKER_URL,
          `/api/queues/${VHOST}/${encodeURIComponent(names.queue)}`,
        ) as { policy?: string | null };
        return !policy;
      });
    }

    await using other = await startWorker("failing_worker", names.flags);
    await other.waitFor(" [x] Done", { timeoutMs: 15_000 });
    // 3.x counts a closed channel as a failed delivery; 4.3 does not count a timeout.
    const counts = V43 ? "x-acquired-count 1" : "x-delivery-count 1";
    assert.deepEqual(received(other), [` [x] Received 'slow...' (redelivered, ${counts})`]);
    await waitForDepth(names.queue, 0);
    await waitForDepth(names.deadLetters, 0);
  },
});

// ---------------------------------------------------------------- retry after a delay

/** The time from each " [!] Failed" line to the next " [x] Received" line, in ms. */
function waits(timed: Timed[]): number[] {
  const gaps: number[] = [];
  timed.forEach(({ line, at }, i) => {
    if (!line.startsWith(" [!] Failed")) return;
    const next = timed.slice(i + 1).find(({ line }) => line.startsWith(" [x] Received"));
    if (next) gaps.push(next.at - at);
  });
  return gaps;
}

/** Each wait lasted its delay, or up to `late` ms more (the broker, the processes, the machine). */
function assertWaits(gaps: number[], delays: number[], late = 400): void {
  const shown = gaps.map(Math.round).join(", ");
  assert.equal(gaps.length, delays.length, `waits ${shown}, expected ${delays.join(", ")}`);
  gaps.forEach((gap, i) => {
    const delay = delays[i];
    assert.ok(
      gap >= delay - 20 && gap < delay + late,
      `wait ${i + 1} took ${Math.round(gap)} ms, expected ${delay} ms (waits: ${shown})`,
    );
  });
}

test({
  name: testName(
    "retry_worker retries a poison task after 300, 600 and 1200 ms through wait queues, then dead-letters it",
    unmeasured,
  ),
  ignore: unmeasured !== undefined,
  async fn() {
    const DELAYS = [300, 600, 1200];
    await using names = testNames(DELAYS);
    const timed: Timed[] = [];
    await using worker = await startWorker(
      "retry_worker",
      [...names.flags, "--delays", DELAYS.join(",")],
      timed,
    );
    await sendTask(names.queue, "poison");
    await worker.waitFor("no retries left", { timeoutMs: 10_000 });
    assert.deepEqual(worker.stdout.slice(1), [
      " [x] Received 'poison'",
      " [!] Failed 'poison': retry 1 of 3 in 300 ms",
      " [x] Received 'poison' (retry 1)",
      " [!] Failed 'poison': retry 2 of 3 in 600 ms",
      " [x] Received 'poison' (retry 2)",
      " [!] Failed 'poison': retry 3 of 3 in 1200 ms",
      " [x] Received 'poison' (retry 3)",
      " [!] Failed 'poison': no retries left, rejected to the dead letters",
    ]);
    assertWaits(waits(timed), DELAYS);

    // The latest death first: the rejection. 3.x also reads the x-death header the worker published
    // again, so it lists every wait queue (in no order of time); 4.x does not read a client's x-death,
    // so it lists the last wait queue only: the worker counts its retries in x-retries.
    const msg = await deadLetter(names.deadLetters);
    const [latest, ...earlier] = deaths(msg);
    assert.deepEqual(latest, [names.queue, "rejected", 1]);
    const waited = (delay: number) => [`${names.queue}.wait_${delay}ms`, "expired", 1];
    assert.deepEqual(
      earlier.sort(),
      V43 ? [waited(1200)] : [waited(1200), waited(300), waited(600)],
    );
    assert.equal(msg.properties.headers?.["x-retries"], 3);
  },
});

test({
  name: testName(
    V43
      ? "delayed_retry_worker (RabbitMQ 4.3): the quorum queue redelivers after 300, 600, 900 ms, then its delivery limit dead-letters the task"
      : "delayed_retry_worker on RabbitMQ before 4.3 says in one sentence that the broker would ignore the delayed retry, and declares nothing",
    unmeasured,
  ),
  ignore: unmeasured !== undefined,
  async fn() {
    await using names = testNames();
    const args = [...names.flags, "--min-delay", "300", "--max-delay", "900", "--retries", "3"];
    if (!V43) {
      await assertOneLineError("delayed_retry_worker", args, {
        code: 1,
        message: new RegExp(
          `^The broker at "[^"]+" is RabbitMQ ${
            VERSION.replaceAll(".", "\\.")
          }, which would ignore the delayed retry of quorum queues, x-delayed-retry-type \\(RabbitMQ 4\\.3 and later have it\\); use "deno task retry_worker"`,
        ),
      });
      assert.equal(await queueState(names.queue), "missing");
      return;
    }
    const timed: Timed[] = [];
    await using worker = await startWorker("delayed_retry_worker", args, timed);
    await sendTask(names.queue, "poison");
    await worker.waitFor("over the delivery limit", { timeoutMs: 10_000 });
    const failed = " [!] Failed 'poison': basic.reject, requeue;";
    assert.deepEqual(worker.stdout.slice(1), [
      " [x] Received 'poison'",
      `${failed} the broker redelivers it in 300 ms`,
      " [x] Received 'poison' (x-delivery-count 1)",
      `${failed} the broker redelivers it in 600 ms`,
      " [x] Received 'poison' (x-delivery-count 2)",
      `${failed} the broker redelivers it in 900 ms`,
      " [x] Received 'poison' (x-delivery-count 3)",
      `${failed} over the delivery limit: dead-lettered`,
    ]);
    assertWaits(waits(timed).slice(0, 3), [300, 600, 900]);
    const msg = await deadLetter(names.deadLetters);
    assert.deepEqual(deaths(msg), [[names.queue, "delivery_limit", 1]]);
  },
});

// ---------------------------------------------------------------- interop

const { python, why: noPika } = await findPython(() => {});

test({
  name: testName(
    "a pika worker declares the same queues, and its dead letters read the same in dead_letters",
    noPika,
  ),
  ignore: noPika !== undefined,
  async fn() {
    await using names = testNames();
    const peer = Program.command(
      python!,
      [fileURLToPath(new URL("peers/failures/failing_worker.py", import.meta.url))],
      {
        env: {
          ...ENV,
          QUEUE: names.queue,
          DEAD_LETTERS: names.deadLetters,
          PYTHONUNBUFFERED: "1",
          PYTHONDONTWRITEBYTECODE: "1",
        },
      },
    );
    await using _peer = atExit(() => peer.stop());
    await peer.waitFor(WAITING);
    // Ours declares the same exchange and queues: the broker would refuse other arguments.
    await using ours = await startWorker("failing_worker", names.flags);
    assertExit(await stopped(ours), 0);

    await sendTask(names.queue, "poison");
    await peer.waitFor(" [!] Failed 'poison': basic.reject, requeue false");
    await using reader = await startWorker("dead_letters", ["--queue", names.deadLetters]);
    await reader.waitFor("first dead-lettered");
    assert.deepEqual(reader.stdout.slice(1), rejectedOnce("poison", names.queue));
  },
});

// ---------------------------------------------------------------- the same rules as the other programs

test("the failures programs answer --help with their flags and default queue", async () => {
  const programs: [string, string][] = [
    ["send_task", "failing_tasks"],
    ["failing_worker", "failing_tasks"],
    ["dead_letters", "dead_letters"],
    ["retry_worker", "failing_tasks"],
    ["delayed_retry_worker", "delayed_tasks"],
  ];
  for (const [task, queue] of programs) {
    const result = await runTask(task, ["--help"], { env: ENV });
    assertExit(result, 0, `deno task ${task} --help`);
    assert.ok(
      result.stdout.some((line) => line.includes(`--queue QUEUE`) && line.includes(queue)),
      `${task} --help: ${result.stdout.join("\n")}`,
    );
  }
});

test("the failures programs' bad values get one sentence and exit 2, before they connect", async () => {
  const cases: [string, string[], RegExp][] = [
    [
      "failing_worker",
      ["--delivery-limit", "many"],
      /^Invalid value for --delivery-limit: "many" is not a whole number of at least 0/,
    ],
    [
      "retry_worker",
      ["--delays", "1000,soon"],
      /^Invalid value for --delays: "soon" is not a whole number of at least 1/,
    ],
    [
      "delayed_retry_worker",
      ["--min-delay", "1000", "--max-delay", "500"],
      /^Invalid value for --max-delay: "500" is not a whole number of at least 1000/,
    ],
  ];
  for (const [task, args, message] of cases) {
    await assertOneLineError(task, args, { code: 2, message });
  }
});

test("send_task to a queue no worker has declared says so in one sentence, exit 1", async () => {
  const queue = uniqueName("failing_tasks");
  await assertOneLineError("send_task", ["--queue", queue, "poison"], {
    code: 1,
    message: new RegExp(
      `^The queue "${queue}" does not exist in vhost "/" at "[^"]+"; start the program that declares it first`,
    ),
  });
  assert.equal(await queueState(queue), "missing");
});

test("a work queue declared with other failure arguments: one sentence names the argument that differs", async () => {
  await using names = testNames();
  await using first = await startWorker("failing_worker", names.flags);
  assertExit(await stopped(first), 0);
  await assertOneLineError("failing_worker", [...names.flags, "--delivery-limit", "2"], {
    code: 1,
    message: new RegExp(
      `^The queue "${names.queue}" already exists with x-delivery-limit none, but this program declares it with x-delivery-limit "2"; delete the queue with "rabbitmqctl delete_queue ${names.queue}"`,
    ),
  });
  await using others = testNames();
  await assertOneLineError(
    "retry_worker",
    ["--queue", names.queue, "--dead-letters", others.deadLetters],
    {
      code: 1,
      message: new RegExp(
        `^The queue "${names.queue}" already exists with x-dead-letter-exchange "${names.deadLetters}", but this program declares it with x-dead-letter-exchange "${others.deadLetters}"`,
      ),
    },
  );
});
