import assert from "node:assert/strict";
import amqp from "amqplib";
import { brokerCtl } from "../tools/lib/broker.ts";
import { maskUrl, urlParts } from "../lib/url.ts";
import { AWAITING_RPC, WAITING, WAITING_LOGS, WAITING_POSTS } from "../tools/lib/ready_lines.ts";
import {
  assertExit,
  assertOneLineError,
  atExit,
  BROKER_URL,
  cannotRestartReason,
  deleteQueues,
  ended,
  ENV,
  freePort,
  programTasks,
  queuesBoundTo,
  runTask,
  startReady,
  test,
  testDir,
  testExchange,
  testName,
  testQueue,
  uniqueName,
  urlWith,
  waitForConsumers,
  withChannel,
} from "./_helpers.ts";

const connectionCases = [
  {
    name: "a wrong password",
    url: () =>
      urlWith((url) => {
        url.username ||= "guest";
        url.password = "not-the-password";
      }),
    message:
      /^The broker at "amqp:\/\/guest:\*\*\*@[^"]+" refused the login of user "guest": wrong user name or password \(the "guest" user can only log in from localhost/,
  },
  {
    name: "a port where no broker listens",
    url: () => urlWith((url) => url.port = String(freePort())),
    message:
      /^Cannot connect to "amqp:\/\/[^"]+:\d+": connection refused; start a broker with "deno task broker"/,
  },
  {
    name: "a missing vhost",
    url: () => urlWith((url) => url.pathname = "/no_such_vhost_for_tests"),
    message:
      /refused access to vhost "no_such_vhost_for_tests": it does not exist or user "guest" has no permissions on it \(create it with "rabbitmqctl add_vhost no_such_vhost_for_tests"/,
  },
];

for (const { name, url, message } of connectionCases) {
  for (const task of ["send", "worker"]) {
    test(`${task}.ts given ${name} prints one sentence and exits 1`, async () => {
      const result = await assertOneLineError(task, [
        "--url",
        url(),
        "--queue",
        uniqueName("never"),
      ], {
        code: 1,
        message,
      });
      assert.doesNotMatch(result.stderr[0], /not-the-password/, "the password is never printed");
    });
  }
}

test("new_task.ts and worker.ts refuse a task queue declared non-durable, naming the argument and the fix", async () => {
  await using queue = testQueue("task_queue");
  await withChannel((channel) => channel.assertQueue(queue.name, { durable: false }));
  for (const task of ["new_task", "worker"]) {
    await assertOneLineError(task, ["--queue", queue.name], {
      code: 1,
      message: new RegExp(
        `^The queue "${queue.name}" already exists with durable "false", but this program declares it with durable "true"; delete the queue with "rabbitmqctl delete_queue ${queue.name}" and run again`,
      ),
    });
  }
});

test("the tutorial programs refuse a classic queue under their quorum queue's name, saying which type is there", async () => {
  // What an older version of the tutorials (classic, durable) left on a broker.
  await using queue = testQueue("hello");
  await withChannel((channel) => channel.assertQueue(queue.name, { durable: true }));
  for (const task of ["send", "receive", "new_task", "worker", "rpc_server"]) {
    await assertOneLineError(task, ["--queue", queue.name], {
      code: 1,
      message: new RegExp(
        `^The queue "${queue.name}" already exists with x-queue-type "classic", but this program declares it with x-queue-type "quorum"; delete the queue with "rabbitmqctl delete_queue ${queue.name}" and run again`,
      ),
    });
  }
});

test("an empty --queue or --exchange is a usage error, not a server-named queue or the default exchange", async () => {
  const cases = [
    ["send", "queue", "hello"],
    ["receive", "queue", "hello"],
    ["new_task", "queue", "task_queue"],
    ["worker", "queue", "task_queue"],
    ["rpc_server", "queue", "rpc_queue"],
    ["rpc_client", "queue", "rpc_queue"],
    ["emit_log", "exchange", "logs"],
    ["receive_logs_topic", "exchange", "topic_logs"],
  ];
  for (const [task, option, name] of cases) {
    for (const empty of ["", " "]) {
      await assertOneLineError(task, [`--${option}`, empty], {
        code: 2,
        message: new RegExp(
          `^Empty value for --${option}: give one, or leave the option out for "${name}"\\. Usage: deno task ${task} `,
        ),
      });
    }
  }
  await assertOneLineError("get_message", ["--queue", ""], {
    code: 2,
    message: /^Empty value for --queue: give one\. Usage: deno task get_message /,
  });
  await assertOneLineError("get_message", [""], {
    code: 2,
    message: /^Empty queue name: give one, e\.g\. "deno task get_message hello"$/,
  });
});

const CONSUMERS = [
  { task: "receive", ready: WAITING, queue: true },
  { task: "worker", ready: WAITING, queue: true },
  { task: "rpc_server", ready: AWAITING_RPC, queue: true },
  { task: "receive_logs", ready: WAITING_LOGS, queue: false },
  { task: "receive_logs_direct", ready: WAITING_LOGS, queue: false, args: ["info"] },
  { task: "receive_logs_topic", ready: WAITING_LOGS, queue: false, args: ["#"] },
  { task: "receive_posts", ready: WAITING_POSTS, queue: false },
];

const noRabbitmqctl = await cannotRestartReason();

for (const { task, ready, queue: named, args = [] } of CONSUMERS) {
  test({
    name: testName(
      `${task}.ts says its queue was deleted and exits 1, instead of waiting for nothing`,
      named ? undefined : noRabbitmqctl,
    ),
    ignore: !named && noRabbitmqctl !== undefined,
    async fn() {
      await using name = named ? testQueue("queue") : testExchange("exchange");
      await using program = await startReady(
        task,
        [named ? "--queue" : "--exchange", name.name, ...args],
        ready,
      );
      const queue = named ? name.name : (await queuesBoundTo(name.name))[0];
      await using _queue = atExit(() => deleteQueues(queue));
      await waitForConsumers(queue);
      // Only rabbitmqctl may delete another connection's exclusive queue.
      if (named) await withChannel((channel) => channel.deleteQueue(queue));
      else {await brokerCtl(BROKER_URL, [
          "delete_queue",
          "--vhost",
          urlParts(BROKER_URL).vhost,
          queue,
        ]);}
      await program.waitFor("was deleted", { stream: "stderr" });
      assertExit(await ended(program), 1);
      assert.deepEqual(program.stderr, [
        `The queue "${queue}" was deleted, so the broker stopped this consumer; start the program again`,
      ]);
    },
  });
}

test("worker.ts refuses a queue that is exclusive to another connection", async () => {
  const queue = uniqueName("task_queue");
  const owner = await amqp.connect(BROKER_URL);
  await using _owner = atExit(() => owner.close());
  const channel = await owner.createChannel();
  await channel.assertQueue(queue, { exclusive: true, durable: true });
  await assertOneLineError("worker", ["--queue", queue], {
    code: 1,
    message: new RegExp(`^The queue "${queue}" is exclusive to another connection`),
  });
});

/** The programs that talk to no broker: their help has no connection flags. */
const NO_BROKER = ["archive:query"];

for (const task of await programTasks()) {
  test(`${task} --help prints what it does and its usage, and exits 0`, async () => {
    const result = await runTask(task, ["--help"], { env: ENV });
    assertExit(result, 0);
    assert.deepEqual(result.stderr, []);
    assert.ok(result.stdout[0].length > 0, "a summary line first");
    assert.ok(
      result.stdout.some((line) => line.startsWith(`Usage: deno task ${task} [options]`)),
      result.stdout.join("\n"),
    );
    // A program that talks to no broker (noBroker: archive:query) lists no --url.
    const url = result.stdout.some((line) => line.includes("--url URL"));
    assert.equal(url, !NO_BROKER.includes(task), result.stdout.join("\n"));
  });
}

test("a malformed URL is a usage error", async () => {
  await assertOneLineError("send", ["--url", "http://localhost"], {
    code: 2,
    message:
      /^Invalid broker URL "http:\/\/localhost": expected amqp:\/\/user:password@host:port\/vhost/,
  });
});

test("--url wins over AMQP_URL, which wins over .env", async () => {
  await using queue = testQueue("hello");
  await using dir = await testDir("errors_test_");
  const envFile = `${dir.path}/.env`;
  const broken = urlWith((url) => url.port = String(freePort()));
  await Deno.writeTextFile(envFile, `AMQP_URL=${broken}\n`);
  const fromFile = await runTask("send", ["--queue", queue.name], {
    envFile,
    withoutEnv: ["AMQP_URL"],
  });
  assertExit(fromFile, 1);
  assert.match(
    fromFile.stderr[0],
    new RegExp(`Cannot connect to "${maskUrl(broken).replace(/\W/g, ".")}`),
  );

  const fromEnv = await runTask("send", ["--queue", queue.name], { envFile, env: ENV });
  assertExit(fromEnv, 0);

  const fromFlag = await runTask("send", ["--queue", queue.name, "--url", broken], { env: ENV });
  assertExit(fromFlag, 1);
});
