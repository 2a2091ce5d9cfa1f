import assert from "node:assert/strict";
import amqp from "amqplib";
import { brokerCtl } from "../tools/lib/broker.ts";
import { maskUrl, urlParts } from "../lib/url.ts";
import {
  assertOneLineError,
  cannotRestartReason,
  deleteExchanges,
  deleteQueues,
  ENV,
  freePort,
  programTasks,
  queuesBoundTo,
  runTask,
  startReady,
  testName,
  uniqueName,
  URL,
  urlWith,
  waitForConsumer,
  WAITING,
  WAITING_LOGS,
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
    Deno.test(`${task}.ts given ${name} prints one sentence and exits 1`, async () => {
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

Deno.test("new_task.ts and worker.ts refuse a task queue declared non-durable, naming the argument and the fix", async () => {
  const queue = uniqueName("task_queue");
  await withChannel((channel) => channel.assertQueue(queue, { durable: false }));
  try {
    for (const task of ["new_task", "worker"]) {
      await assertOneLineError(task, ["--queue", queue], {
        code: 1,
        message: new RegExp(
          `^The queue "${queue}" already exists with durable "false", but this program declares it with durable "true"; delete the queue with "rabbitmqctl delete_queue ${queue}" and run again`,
        ),
      });
    }
  } finally {
    await deleteQueues(queue);
  }
});

Deno.test("the tutorial programs refuse a classic queue under their quorum queue's name, saying which type is there", async () => {
  // What an older version of the tutorials (classic, durable) left on a broker.
  const queue = uniqueName("hello");
  await withChannel((channel) => channel.assertQueue(queue, { durable: true }));
  try {
    for (const task of ["send", "receive", "new_task", "worker", "rpc_server"]) {
      await assertOneLineError(task, ["--queue", queue], {
        code: 1,
        message: new RegExp(
          `^The queue "${queue}" already exists with x-queue-type "classic", but this program declares it with x-queue-type "quorum"; delete the queue with "rabbitmqctl delete_queue ${queue}" and run again`,
        ),
      });
    }
  } finally {
    await deleteQueues(queue);
  }
});

Deno.test("an empty --queue or --exchange is a usage error, not a server-named queue or the default exchange", async () => {
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
  { task: "rpc_server", ready: " [x] Awaiting RPC requests", queue: true },
  { task: "receive_logs", ready: WAITING_LOGS, queue: false },
  { task: "receive_logs_direct", ready: WAITING_LOGS, queue: false, args: ["info"] },
  { task: "receive_logs_topic", ready: WAITING_LOGS, queue: false, args: ["#"] },
  { task: "receive_posts", ready: " [*] Waiting for posts. To exit press CTRL+C", queue: false },
];

const noRabbitmqctl = await cannotRestartReason();

for (const { task, ready, queue: named, args = [] } of CONSUMERS) {
  Deno.test({
    name: testName(
      `${task}.ts says its queue was deleted and exits 1, instead of waiting for nothing`,
      named ? undefined : noRabbitmqctl,
    ),
    ignore: !named && noRabbitmqctl !== undefined,
  }, async () => {
    const name = uniqueName(named ? "queue" : "exchange");
    const program = await startReady(
      task,
      [named ? "--queue" : "--exchange", name, ...args],
      ready,
    );
    let queue = name;
    try {
      if (!named) [queue] = await queuesBoundTo(name);
      await waitForConsumer(queue);
      // Only rabbitmqctl may delete another connection's exclusive queue.
      if (named) await withChannel((channel) => channel.deleteQueue(queue));
      else await brokerCtl(URL, ["delete_queue", "--vhost", urlParts(URL).vhost, queue]);
      await program.waitFor("was deleted", { stream: "stderr" });
      assert.equal(await program.exited, 1);
    } finally {
      await program.stop();
      await deleteQueues(queue);
      if (!named) await deleteExchanges(name);
    }
    assert.deepEqual(program.stderr, [
      `The queue "${queue}" was deleted, so the broker stopped this consumer; start the program again`,
    ]);
  });
}

Deno.test("worker.ts refuses a queue that is exclusive to another connection", async () => {
  const queue = uniqueName("task_queue");
  const owner = await amqp.connect(URL);
  try {
    const channel = await owner.createChannel();
    await channel.assertQueue(queue, { exclusive: true, durable: true });
    await assertOneLineError("worker", ["--queue", queue], {
      code: 1,
      message: new RegExp(`^The queue "${queue}" is exclusive to another connection`),
    });
  } finally {
    await owner.close();
  }
});

for (const task of await programTasks()) {
  Deno.test(`${task} --help prints what it does and its usage, and exits 0`, async () => {
    const result = await runTask(task, ["--help"], { env: ENV });
    assert.equal(result.code, 0);
    assert.deepEqual(result.stderr, []);
    assert.ok(result.stdout[0].length > 0, "a summary line first");
    assert.ok(
      result.stdout.some((line) => line.startsWith(`Usage: deno task ${task} [options]`)),
      result.stdout.join("\n"),
    );
    assert.ok(result.stdout.some((line) => line.includes("--url URL")));
  });
}

Deno.test("a malformed URL is a usage error", async () => {
  await assertOneLineError("send", ["--url", "http://localhost"], {
    code: 2,
    message:
      /^Invalid broker URL "http:\/\/localhost": expected amqp:\/\/user:password@host:port\/vhost/,
  });
});

Deno.test("--url wins over AMQP_URL, which wins over .env", async () => {
  const queue = uniqueName("hello");
  const dir = await Deno.makeTempDir();
  const envFile = `${dir}/.env`;
  const broken = urlWith((url) => url.port = String(freePort()));
  try {
    await Deno.writeTextFile(envFile, `AMQP_URL=${broken}\n`);
    const fromFile = await runTask("send", ["--queue", queue], {
      envFile,
      withoutEnv: ["AMQP_URL"],
    });
    assert.equal(fromFile.code, 1);
    assert.match(
      fromFile.stderr[0],
      new RegExp(`Cannot connect to "${maskUrl(broken).replace(/\W/g, ".")}`),
    );

    const fromEnv = await runTask("send", ["--queue", queue], { envFile, env: ENV });
    assert.equal(fromEnv.code, 0, fromEnv.stderr.join("\n"));

    const fromFlag = await runTask("send", ["--queue", queue, "--url", broken], { env: ENV });
    assert.equal(fromFlag.code, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
    await deleteQueues(queue);
  }
});
