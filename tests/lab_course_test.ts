/**
 * Lab 5 on a course server: a vhost and two students made by `deno task
 * setup --roster`, each a real user with the permissions setup gives (not
 * simulated). A student runs every program of the lab with their own user;
 * the broker refuses them every operation on a classmate's queues and
 * exchanges, and the programs say so in one sentence; lab:reset never
 * deletes a classmate's messages; lab:show and the monitor work with the
 * student's own user.
 */
import assert from "node:assert/strict";
import amqp from "amqplib";
import { Buffer } from "node:buffer";
import { ACCESS_FIX, usingLine, VHOST_FIX } from "../lib/lab/cli.ts";
import { task2Names } from "../lib/lab/names.ts";
import { TASK2_VARIANTS } from "../lib/lab/variants.ts";
import { managementRequest } from "../lib/management.ts";
import { maskUrl } from "../lib/url.ts";
import { LAB_WAITING } from "../tools/lib/ready_lines.ts";
import {
  assertExit,
  brokerVersionAt,
  type CourseStudent,
  eventually,
  exchangeExists,
  queueState,
  runTask,
  startLab,
  stopped,
  test,
  testCourse,
  waitForConsumers,
  waitForDepth,
  withChannel,
} from "./_helpers.ts";

/** Runs a student's program with their .env (the URL of their own user), nothing else. */
function runAs(student: CourseStudent, task: string, args: string[] = []) {
  return runTask(task, args, { env: student.env, withoutEnv: ["LAB_GROUP", "LAB_SURNAME"] });
}

/** Runs a student's producer, which must succeed: its lines, the first of them the INFO line. */
async function sendAs(student: CourseStudent, task: string, args: string[] = []) {
  const result = await runAs(student, task, args);
  assertExit(result, 0, `deno task ${task} ${args.join(" ")} as ${student.name}`);
  assert.deepEqual(result.stderr, []);
  return result.stdout;
}

/** Starts a student's consumer with their .env alone. */
function startAs(student: CourseStudent, task: string, args: string[] = []) {
  return startLab(task, args, student.env);
}

/** The user name of a URL. */
const userOf = (url: string) => decodeURIComponent(new URL(url).username);

test("a student runs every part of the walk-through on the course server with their own user, each program's first INFO line naming its queue or exchange and the vhost", async () => {
  await using course = await testCourse(1);
  const [student] = course.students;
  const { vhost } = course;
  const parts = [
    { consumer: "lab:1:receive", producer: "lab:1:send", args: [], key: [] },
    { consumer: "lab:2:worker", producer: "lab:2:new_task", args: [], key: [] },
    { consumer: "lab:3:receive_logs", producer: "lab:3:emit_log", args: [], key: [] },
    {
      consumer: "lab:4:receive_logs_direct",
      producer: "lab:4:emit_log_direct",
      args: ["error"],
      key: ["error"],
    },
    {
      consumer: "lab:5:receive_stocks",
      producer: "lab:5:emit_stock",
      args: ["stock.#"],
      key: ["stock.usa.usd"],
    },
  ];
  const objects: Record<string, { queue?: string; exchange?: string }> = {
    "lab:1": { queue: "awesome_queue" },
    "lab:2": { queue: "lab_task_queue" },
    "lab:3": { exchange: "logs" },
    "lab:4": { exchange: "direct_logs" },
    "lab:5": { exchange: "stocks" },
  };
  for (const { consumer, producer, args, key } of parts) {
    const uses = objects[consumer.slice(0, 5)];
    await using receiver = await startAs(student, consumer, args);
    const message = `${consumer} as ${student.name}`;
    const sent = await sendAs(student, producer, [...key, message]);
    assert.equal(sent[0], usingLine(vhost, uses), producer);
    assert.match(sent[1], /^SENT: /);
    await receiver.waitFor(message);
    assertExit(await stopped(receiver), 0);
    if (uses.queue) {
      assert.equal(receiver.stdout[0], usingLine(vhost, uses), consumer);
    } else {
      // A server-named queue of its own, bound to the shared exchange.
      const [, queue] = receiver.stdout[0].match(/ and queue "(amq\.gen-[^"]+)" /) ?? [];
      assert.equal(receiver.stdout[0], usingLine(vhost, { ...uses, queue }), consumer);
    }
    assert.equal(receiver.stdout[1], LAB_WAITING);
    assert.deepEqual(receiver.stderr, []);
  }
});

test("a student runs every variant of both tasks and lab:reset with their own user and no name given: the login names their queues", async () => {
  await using course = await testCourse(1);
  const [student] = course.students;
  const { vhost } = course;
  const queue = { queue: student.name };
  // Task 1: exclusive (the queue goes with its consumer), durable (stays), then reset, auto-delete.
  {
    await using consumer = await startAs(student, "lab1:exclusive:receive");
    assert.deepEqual(await sendAs(student, "lab1:exclusive:send", ["exclusive"]), [
      usingLine(vhost, queue),
      "SENT: exclusive",
    ]);
    await consumer.waitFor("RECEIVED: exclusive");
    assertExit(await stopped(consumer), 0);
    assert.deepEqual(consumer.stdout, [
      usingLine(vhost, queue),
      LAB_WAITING,
      "RECEIVED: exclusive",
    ]);
  }
  await eventually(
    "the exclusive queue is gone",
    async () => (await queueState(student.name, course.url)) === "missing",
  );
  assert.deepEqual(await sendAs(student, "lab1:durable:send", ["durable"]), [
    usingLine(vhost, queue),
    "SENT: durable",
  ]);
  {
    await using consumer = await startAs(student, "lab1:durable:receive");
    await consumer.waitFor("RECEIVED: durable");
  }
  assert.deepEqual(await sendAs(student, "lab:reset"), [
    `Deleted queue "${student.name}" (0 messages)`,
    `Deleted 1 of the lab's queues and exchanges at "${maskUrl(student.url)}"`,
  ]);
  await sendAs(student, "lab1:autodelete:send", ["auto-delete"]);
  {
    await using consumer = await startAs(student, "lab1:autodelete:receive");
    await consumer.waitFor("RECEIVED: auto-delete");
  }

  // Task 2: each variant, a reset between (the work queue's settings differ).
  for (const variant of TASK2_VARIANTS) {
    const names = task2Names(student.name, variant.exchangeType);
    await using worker = await startAs(student, variant.consumer);
    await waitForConsumers(names.queue, 1, course.url);
    const sent = await sendAs(student, variant.producer, [`task of variant ${variant.number}`]);
    assert.deepEqual(sent, [
      usingLine(vhost, names),
      `SENT: task of variant ${variant.number}`,
    ]);
    await worker.waitFor("INFO: Done");
    assertExit(await stopped(worker), 0);
    assert.equal(worker.stdout[0], usingLine(vhost, names));
    const reset = await sendAs(student, "lab:reset");
    assert.ok(reset.includes(`Deleted exchange "${names.exchange}"`), reset.join("\n"));
  }
});

test("the broker refuses a student every operation on a classmate's queue and exchange; the default exchange is the one way in", async () => {
  await using course = await testCourse(2);
  const [a, b] = course.students;
  const version = await brokerVersionAt();
  const { queue, exchange } = task2Names(b.name, "fanout");
  // b's own queue, exchange and binding, and a persistent message in the queue.
  await sendAs(b, "lab2:fanout:new_task", ["b's task"]);
  await waitForDepth(queue, 1, course.url);

  /** What the broker answers a as they try `operation` on a channel of their own. */
  const answer = (operation: (channel: amqp.Channel) => Promise<unknown>) =>
    withChannel(operation, a.url).then(() => "done", (error: Error) => error.message);
  const refused = (permission: string, kind: string, name: string) =>
    new RegExp(
      `ACCESS_REFUSED - (${permission} )?access to ${kind} '${name}' in vhost '${course.vhost}' refused for user '${a.name}'`,
    );
  const own = task2Names(a.name, "fanout");
  await sendAs(a, "lab2:fanout:new_task", ["a's task"]); // a's own exchange and queue
  const attempts: [string, (channel: amqp.Channel) => Promise<unknown>, RegExp][] = [
    ["declare b's queue", (c) => c.assertQueue(queue), refused("configure", "queue", queue)],
    ["delete b's queue", (c) => c.deleteQueue(queue), refused("configure", "queue", queue)],
    ["purge b's queue", (c) => c.purgeQueue(queue), refused("read", "queue", queue)],
    ["get from b's queue", (c) => c.get(queue), refused("read", "queue", queue)],
    ["consume b's queue", (c) => c.consume(queue, () => {}), refused("read", "queue", queue)],
    [
      "bind a's queue to b's exchange",
      (c) => c.bindQueue(own.queue, exchange, ""),
      refused("read", "exchange", exchange),
    ],
    [
      "bind b's queue to a's exchange",
      (c) => c.bindQueue(queue, own.exchange, ""),
      refused("write", "queue", queue),
    ],
    [
      "declare b's exchange",
      (c) => c.assertExchange(exchange, "fanout"),
      refused("configure", "exchange", exchange),
    ],
    [
      "delete b's exchange",
      (c) => c.deleteExchange(exchange),
      refused("configure", "exchange", exchange),
    ],
  ];
  for (const [what, operation, expected] of attempts) {
    assert.match(await answer(operation), expected, what);
  }
  // Publishing to b's exchange: the broker closes the channel (a confirm channel learns it).
  const connection = await amqp.connect(a.url);
  try {
    const channel = await connection.createConfirmChannel();
    const closed = new Promise<Error>((resolve) => channel.on("error", resolve));
    channel.publish(exchange, "", Buffer.from("from a"));
    await channel.waitForConfirms().catch(() => {});
    assert.match((await closed).message, refused("write", "exchange", exchange));
  } finally {
    await connection.close().catch(() => {});
  }
  // Checking that b's queue exists (a passive declare): RabbitMQ 3.x answers anyone, 4.x wants
  // configure permission.
  const check = await answer((c) => c.checkQueue(queue));
  if (version.startsWith("3.")) assert.equal(check, "done");
  else assert.match(check, refused("configure", "queue", queue));

  // The management API, as a (tag "management"): b's queue is visible, not to be emptied,
  // read or deleted.
  const asA = { user: a.name, password: decodeURIComponent(new URL(a.url).password) };
  const path = `/api/queues/${encodeURIComponent(course.vhost)}/${encodeURIComponent(queue)}`;
  assert.equal(((await managementRequest(course.url, path, asA)) as { name: string }).name, queue);
  await assert.rejects(managementRequest(course.url, path, { ...asA, method: "DELETE" }));
  await assert.rejects(
    managementRequest(course.url, `${path}/contents`, { ...asA, method: "DELETE" }),
  );
  await assert.rejects(
    managementRequest(course.url, `${path}/get`, {
      ...asA,
      method: "POST",
      body: { count: 1, ackmode: "ack_requeue_false", encoding: "auto" },
    }),
  );
  await waitForDepth(queue, 1, course.url);

  // What permissions cannot stop: publishing to the default exchange is a write on
  // "amq.default", whatever queue the routing key names, so a can add a message to b's queue
  // (never read, take or delete one). A topic permission on it changes nothing: those apply to
  // topic exchanges only.
  await managementRequest(
    course.url,
    `/api/topic-permissions/${encodeURIComponent(course.vhost)}/${encodeURIComponent(a.name)}`,
    { method: "PUT", body: { exchange: "", write: "^$", read: "^$" } },
  );
  assert.equal(
    await answer(async (c) => {
      c.sendToQueue(queue, Buffer.from("slipped in by a"));
      await c.checkQueue(own.queue); // a round trip: the publish has reached the broker
    }),
    "done",
  );
  await waitForDepth(queue, 2, course.url);
});

test("a student's programs refuse a classmate's name in one sentence: before connecting when the login tells, else as the broker refuses it", async () => {
  await using course = await testCourse(2);
  const [a, b] = course.students;
  await sendAs(b, "lab1:durable:send", ["b's message"]);
  const [group, surname] = a.name.split("_");
  const oneLine = async (task: string, args: string[], code: number, message: RegExp | string) => {
    const result = await runAs(a, task, args);
    assertExit(result, code, `deno task ${task} ${args.join(" ")} as ${a.name}`);
    assert.equal(result.stderr.length, 1, result.stderr.join("\n"));
    if (typeof message === "string") assert.equal(result.stderr[0], message);
    else assert.match(result.stderr[0], message);
    return result;
  };

  // The login is a's: b's name, or a typo in a's, is refused before anything happens.
  const notYours = (name: string, at: number, theirs: string, yours: string) =>
    `The name "${name}" is not yours: you log in as "${a.name}" (character ${at} is "${theirs}" where your login has "${yours}"), and on a course server each student may use only their own queues and exchanges; give your own name, or none: your login gives it`;
  const bSurname = b.name.split("_")[1];
  const differs = [...a.name].findIndex((c, i) => c !== [...b.name][i]);
  await oneLine(
    "lab:reset",
    ["--surname", bSurname],
    2,
    notYours(b.name, differs + 1, b.name[differs], a.name[differs]),
  );
  const typo = group.replace(/-(\d)(\d)$/, "-0$1$2"); // test-48 -> test-048
  await oneLine(
    "lab1:durable:send",
    ["--group", typo, "--surname", surname],
    2,
    notYours(`${typo}_${surname}`, group.length - 1, "0", group.at(-2)!),
  );
  await waitForDepth(b.name, 1, course.url);

  // The walk-through's programs take any --queue or --exchange: the broker refuses b's.
  const accessRefused = (kind: string, name: string) =>
    new RegExp(
      `^The broker at "${
        maskUrl(a.url).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
      }" refused user "${a.name}" (configure )?access to the ${kind} "${name}" in vhost "${course.vhost}"; ${
        ACCESS_FIX.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
      }$`,
    );
  await oneLine("lab:1:receive", ["--queue", b.name], 1, accessRefused("queue", b.name));
  await oneLine("lab:2:new_task", ["--queue", b.name, "x"], 1, accessRefused("queue", b.name));
  const bExchange = task2Names(b.name, "fanout").exchange;
  await oneLine(
    "lab:3:emit_log",
    ["--exchange", bExchange],
    1,
    accessRefused("exchange", bExchange),
  );
  await waitForDepth(b.name, 1, course.url);

  // A name of a's own that the walk-through's --queue may take: a walk-through of their own.
  const mine = `${a.name}_awesome`;
  await using receiver = await startAs(a, "lab:1:receive", ["--queue", mine]);
  await sendAs(a, "lab:1:send", ["--queue", mine, "my own queue"]);
  await receiver.waitFor("RECEIVED: my own queue");
});

test("a wrong vhost, or none, gets a student's sentence: check the URL or ask the teacher, not rabbitmqctl", async () => {
  await using course = await testCourse(1);
  const [student] = course.students;
  for (const vhost of [`${course.vhost}-typo`, ""]) {
    const url = new URL(student.url);
    url.pathname = vhost ? `/${vhost}` : "";
    const result = await runTask("lab1:durable:send", [], {
      env: { AMQP_URL: url.href },
      withoutEnv: ["LAB_GROUP", "LAB_SURNAME"],
    });
    assertExit(result, 1);
    const refused = vhost
      ? `refused access to vhost "${vhost}": it does not exist or user "${student.name}" has no permissions on it`
      : `refused access to vhost "/", the one used when the URL names none: user "${student.name}" has no permissions on it`;
    assert.deepEqual(result.stderr, [
      `The broker at "${maskUrl(url.href)}" ${refused}; ${VHOST_FIX}`,
    ]);
  }
});

test("lab:reset never deletes a classmate's messages: a shared queue that holds some is kept unless --force; a classmate's programs keep working through every form of it", async () => {
  await using course = await testCourse(2);
  const [a, b] = course.students;
  const bTasks = task2Names(b.name, "fanout");
  await using bWorker = await startAs(b, "lab2:fanout:worker");
  await using bLogs = await startAs(b, "lab:3:receive_logs");
  await waitForConsumers(bTasks.queue, 1, course.url);
  await sendAs(b, "lab:2:new_task", ["b's task."]); // the shared lab_task_queue, no worker
  await sendAs(b, "lab1:durable:send", ["b's message"]);
  await waitForDepth("lab_task_queue", 1, course.url);
  const where = `"${maskUrl(a.url)}"`;
  const kept =
    `Kept queue "lab_task_queue" (1 message): the walk-through's queues are shared by everyone on this vhost and the broker does not record who sent a message, so it may be a classmate's; add --force to delete it anyway`;
  const logsBound =
    `Not deleted: exchange "logs" is still bound to queues this reset does not delete (a running program's, or one left above); it goes once they are gone`;

  // Every form of a's reset: a's own objects, the walk-through's, and --force.
  const own = await runAs(a, "lab:reset");
  assertExit(own, 0);
  assert.deepEqual(own.stdout, [
    `Kept the walk-through's "lab_task_queue", "logs": shared with others on this broker; add --walkthrough to delete those no program uses`,
    `Nothing to delete: none of your lab queues and exchanges exist at ${where}`,
  ]);
  const walkthrough = await runAs(a, "lab:reset", ["--walkthrough"]);
  assertExit(walkthrough, 1);
  assert.deepEqual(walkthrough.stdout, [kept, logsBound]);
  await waitForDepth("lab_task_queue", 1, course.url);
  const forced = await runAs(a, "lab:reset", ["--walkthrough", "--force"]);
  assertExit(forced, 1);
  assert.deepEqual(forced.stdout, [
    `Deleted queue "lab_task_queue" (1 message)`,
    logsBound,
    `Deleted 1 of the lab's queues and exchanges at ${where}`,
  ]);
  assert.equal(await queueState("lab_task_queue", course.url), "missing");

  // b's programs and b's own queue went through all of it.
  await sendAs(b, "lab2:fanout:new_task", ["after a's resets"]);
  await bWorker.waitFor("RECEIVED: after a's resets");
  await sendAs(b, "lab:3:emit_log", ["after a's resets"]);
  await bLogs.waitFor("RECEIVED: after a's resets");
  await waitForDepth(b.name, 1, course.url);
  assert.ok(await exchangeExists(bTasks.exchange, course.url));
  // --force alone is refused: it goes with --walkthrough.
  const alone = await runAs(a, "lab:reset", ["--force"]);
  assertExit(alone, 2);
  assert.deepEqual(alone.stderr, [
    "--force deletes the walk-through's shared queues that hold messages: give it with --walkthrough",
  ]);
});

test("the walk-through's queues are shared: two students' lab:1:receive take turns with the messages of awesome_queue", async () => {
  await using course = await testCourse(2);
  const [a, b] = course.students;
  await using aReceiver = await startAs(a, "lab:1:receive");
  await using bReceiver = await startAs(b, "lab:1:receive");
  await waitForConsumers("awesome_queue", 2, course.url);
  for (const n of [1, 2, 3, 4]) await sendAs(a, "lab:1:send", [`message ${n}`]);
  const received = (p: { stdout: string[] }) => p.stdout.filter((l) => l.startsWith("RECEIVED"));
  await eventually(
    "the four messages are received",
    () => Promise.resolve(received(aReceiver).length + received(bReceiver).length === 4),
  );
  // Round-robin: each got some of a's messages.
  assert.equal(received(aReceiver).length, 2, received(aReceiver).join("\n"));
  assert.equal(received(bReceiver).length, 2, received(bReceiver).join("\n"));
});

test("lab:show shows a student their own queues and exchanges, flags, persistent messages and bindings, with their own user, and nothing of a classmate's", async () => {
  await using course = await testCourse(2);
  const [a, b] = course.students;
  await sendAs(a, "lab1:durable:send", ["persistent"]);
  await sendAs(a, "lab2:direct:new_task", ["transient"]);
  await sendAs(b, "lab1:durable:send", ["b's"]);
  const tasks = task2Names(a.name, "direct");
  const version = await brokerVersionAt();
  // The counts as the broker's statistics settle: lab:show waits for them.
  const shown = await sendAs(a, "lab:show");
  assert.match(
    shown[0],
    new RegExp(
      `^INFO: Vhost "${course.vhost}" at .* \\(RabbitMQ ${version}\\), as user "${a.name}"`,
    ),
  );
  assert.deepEqual(shown.slice(1), [
    `Queue "${a.name}": classic, durable, not exclusive, not auto-delete; 1 message ready (1 persistent), 0 unacked, 0 consumers`,
    `  bound from the default exchange with key "${a.name}"`,
    "  after a broker restart: kept (durable), with its 1 persistent message",
    `Queue "${tasks.queue}": classic, not durable, not exclusive, not auto-delete; 1 message ready (0 persistent), 0 unacked, 0 consumers`,
    `  bound from the default exchange with key "${tasks.queue}"`,
    `  bound from exchange "${tasks.exchange}" with key "task"`,
    "  after a broker restart: gone, with every message in it: the queue is not durable",
    `Exchange "${tasks.exchange}": direct, not durable, not auto-delete`,
    `  bound to queue "${tasks.queue}" with key "task"`,
    `  after a broker restart: ${
      version.startsWith("3.")
        ? "gone: the exchange is not durable"
        : `kept, though not durable: RabbitMQ ${version}'s metadata store keeps every exchange`
    }`,
  ]);
  assert.ok(!shown.join("\n").includes(b.name), "nothing of b's");
});

test("the monitor works for a student (tag management) on their own vhost, and sees no other", async () => {
  await using course = await testCourse(1);
  const [student] = course.students;
  await sendAs(student, "lab1:durable:send", ["watched"]);
  const once = await sendAs(student, "monitor", ["--once", "--json"]);
  const overview = JSON.parse(once[0]) as { vhost: string; queues: { name: string }[] };
  assert.equal(overview.vhost, course.vhost);
  assert.ok(overview.queues.some((q) => q.name === student.name), once[0]);
  const other = await runAs(student, "monitor", ["--once", "--vhost", "/"]);
  assertExit(other, 1);
  assert.match(
    other.stderr[0],
    new RegExp(
      `^The vhost "/" does not exist at .* \\(or user "${
        userOf(student.url)
      }" may not see it\\); its vhosts: "${course.vhost}"$`,
    ),
  );
});
