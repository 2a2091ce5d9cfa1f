/**
 * The AMQP 1.0 track (scripts/amqp10/) on its own: each program's lines,
 * names and declarations, publisher to consumer, on RabbitMQ 4.x. Skipped,
 * with the reason, on 3.x.
 */
import assert from "node:assert/strict";
import { managementRequest } from "../lib/management.ts";
import { maskUrl } from "../lib/url.ts";
import { AWAITING_RPC, WAITING, WAITING_LOGS } from "../tools/lib/ready_lines.ts";
import {
  assertExit,
  assertOneLineError,
  atExit,
  BROKER_URL,
  ENV,
  freePort,
  type Program,
  queueState,
  runOk,
  runTask,
  startReady,
  testExchange,
  testQueue,
  testUser,
  uniqueName,
  urlWith,
  withChannel,
} from "./_helpers.ts";
import { amqp10, amqp10Test } from "./peers/amqp10/support.ts";

const received = (program: Program) => program.stdout.filter((line) => line.startsWith(" [x] "));

/** A pattern that matches `text` as it is. */
const literally = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

amqp10Test(
  "amqp10:send and amqp10:receive: 'Hello World!' through a durable quorum queue",
  async () => {
    await using queue = testQueue("hello");
    await using receiver = await startReady("amqp10:receive", ["--queue", queue.name], WAITING);
    assert.deepEqual(await runOk("amqp10:send", ["--queue", queue.name]), [
      " [x] Sent 'Hello World!'",
    ]);
    await runOk("amqp10:send", ["--queue", queue.name, "second", "one"]);
    await receiver.waitFor("[x] Received 'second one'");
    assert.deepEqual(received(receiver), [
      " [x] Received 'Hello World!'",
      " [x] Received 'second one'",
    ]);
    await using mine = await amqp10();
    const info = await mine.management.queueInfo(queue.name);
    assert.deepEqual([info.type, info.durable, info.messageCount], ["quorum", true, 0]);
    assert.deepEqual(receiver.stderr, []);
  },
);

amqp10Test(
  "amqp10:new_task queues a durable task; amqp10:worker does it and accepts it",
  async () => {
    await using queue = testQueue("task_queue");
    await runOk("amqp10:new_task", ["--queue", queue.name, "first."]);
    await using worker = await startReady("amqp10:worker", ["--queue", queue.name], WAITING);
    await worker.waitFor("[x] Done");
    assert.deepEqual(received(worker), [" [x] Received 'first.'", " [x] Done"]);
    // Declared as a durable quorum queue: AMQP 0-9-1's declaration with the same arguments agrees.
    await withChannel((channel) =>
      channel.assertQueue(queue.name, { durable: true, arguments: { "x-queue-type": "quorum" } })
    );
  },
);

amqp10Test(
  "amqp10:emit_log reaches every amqp10:receive_logs; with none, the broker releases it",
  async () => {
    await using exchange = testExchange("logs");
    const args = ["--exchange", exchange.name];
    assert.deepEqual(await runOk("amqp10:emit_log", [...args, "nobody hears"]), [
      " [x] Sent 'nobody hears'",
      ` [.] No queue is bound to "${exchange.name}": nobody got it`,
    ]);
    await using one = await startReady("amqp10:receive_logs", args, WAITING_LOGS);
    await using two = await startReady("amqp10:receive_logs", args, WAITING_LOGS);
    assert.deepEqual(await runOk("amqp10:emit_log", args), [" [x] Sent 'info: Hello World!'"]);
    for (const receiver of [one, two]) {
      await receiver.waitFor("[x] info: Hello World!");
      assert.deepEqual(received(receiver), [" [x] info: Hello World!"]);
    }
  },
);

amqp10Test(
  "amqp10:emit_log_direct and amqp10:receive_logs_direct: only the severities bound",
  async () => {
    await using exchange = testExchange("direct_logs");
    const args = ["--exchange", exchange.name];
    await using receiver = await startReady(
      "amqp10:receive_logs_direct",
      [...args, "warning", "error"],
      WAITING_LOGS,
    );
    assert.deepEqual(await runOk("amqp10:emit_log_direct", [...args, "error", "Oops."]), [
      " [x] Sent 'error':'Oops.'",
    ]);
    assert.deepEqual(await runOk("amqp10:emit_log_direct", [...args, "info", "Hi"]), [
      " [x] Sent 'info':'Hi'",
      ` [.] No queue is bound to "${exchange.name}" with "info": nobody got it`,
    ]);
    await runOk("amqp10:emit_log_direct", [...args, "warning", "Careful"]);
    await receiver.waitFor("[x] 'warning':'Careful'");
    assert.deepEqual(received(receiver), [" [x] 'error':'Oops.'", " [x] 'warning':'Careful'"]);
  },
);

amqp10Test(
  "amqp10:emit_log_topic and amqp10:receive_logs_topic: '*' one word, '#' any, a key with a slash",
  async () => {
    await using exchange = testExchange("topic_logs");
    const args = ["--exchange", exchange.name];
    await using receiver = await startReady(
      "amqp10:receive_logs_topic",
      [...args, "kern.*", "*.critical", "app/x.#"],
      WAITING_LOGS,
    );
    assert.deepEqual(await runOk("amqp10:emit_log_topic", args), [
      " [x] Sent 'anonymous.info':'Hello World!'",
      ` [.] No binding of "${exchange.name}" matches "anonymous.info": nobody got it`,
    ]);
    for (
      const key of ["kern.critical", "kern.info", "disk.critical", "kern.disk.info", "app/x.y"]
    ) {
      await runOk("amqp10:emit_log_topic", [...args, key, `about ${key}`]);
    }
    await receiver.waitFor("[x] 'app/x.y':'about app/x.y'");
    assert.deepEqual(received(receiver), [
      " [x] 'kern.critical':'about kern.critical'", // matches two keys, arrives once
      " [x] 'kern.info':'about kern.info'",
      " [x] 'disk.critical':'about disk.critical'",
      " [x] 'app/x.y':'about app/x.y'", // the slash is percent-encoded in the address
    ]);
  },
);

amqp10Test(
  "amqp10:rpc_client gets fib(n) from amqp10:rpc_server, by Direct Reply-To and by a reply queue",
  async () => {
    await using queue = testQueue("rpc_queue");
    const args = ["--queue", queue.name];
    await using server = await startReady("amqp10:rpc_server", args, AWAITING_RPC);
    assert.deepEqual(await runOk("amqp10:rpc_client", [...args, "10"]), [
      " [x] Requesting fib(10)",
      " [.] Got 55",
    ]);
    assert.deepEqual(await runOk("amqp10:rpc_client", [...args, "--reply-queue", "007"]), [
      " [x] Requesting fib(7)",
      " [.] Got 13",
    ]);
    await assertOneLineError("amqp10:rpc_client", [...args, "10001"], {
      code: 1,
      message: /^The server refused fib\(10001\): "10001" is not a whole number from 0 to 10000$/,
    });
    await server.waitFor('Refused a request: "10001"', { stream: "stderr" });
    assert.deepEqual(server.stdout.slice(1), [" [.] fib(10)", " [.] fib(7)"]);
  },
);

amqp10Test(
  "amqp10:rpc_client with no server: the queue's absence is one sentence; a silent server times out",
  async () => {
    await using queue = testQueue("rpc_queue");
    const args = ["--queue", queue.name];
    await assertOneLineError("amqp10:rpc_client", [...args, "5"], {
      code: 1,
      message: new RegExp(`^The queue "${literally(queue.name)}" does not exist in vhost "/"`),
    });
    {
      await using mine = await amqp10();
      await mine.management.declareQueue(queue.name, { type: "quorum" });
    }
    await assertOneLineError("amqp10:rpc_client", [...args, "--timeout", "1", "5"], {
      code: 1,
      message: new RegExp(
        `^No server answered on "${
          literally(queue.name)
        }" within 1 s; start one with "deno task amqp10:rpc_server"$`,
      ),
    });
  },
);

/** The three lines of tutorial 7 over AMQP 1.0, for `count` messages. */
function publishedLines(count: string): RegExp[] {
  return [
    new RegExp(`^Published ${count} messages individually in [\\d,]+ ms$`),
    new RegExp(`^Published ${count} messages in batch in [\\d,]+ ms$`),
    new RegExp(`^Published ${count} messages and handled outcomes asynchronously in [\\d,]+ ms$`),
  ];
}

function assertLines(lines: string[], patterns: RegExp[]) {
  assert.equal(lines.length, patterns.length, JSON.stringify(lines));
  patterns.forEach((pattern, i) => assert.match(lines[i], pattern));
}

/** A queue-name prefix of the test's own; at scope exit, no queue of the three strategies is left. */
function strategyQueues(): { name: string } & AsyncDisposable {
  const name = uniqueName("publisher_confirms");
  return Object.assign(
    atExit(async () => {
      for (const strategy of ["individually", "batch", "async"]) {
        const queue = `${name}.${strategy}`;
        assert.equal(await queueState(queue), "missing", `${queue} is gone`);
      }
    }),
    { name },
  );
}

amqp10Test(
  "amqp10:publisher_confirms: 2,000 messages three ways, every one accepted, no queue left",
  async () => {
    await using prefix = strategyQueues();
    const lines = await runOk("amqp10:publisher_confirms", [
      "--count",
      "2000",
      "--queue",
      prefix.name,
    ]);
    assertLines(lines, publishedLines("2,000"));
  },
);

amqp10Test(
  "amqp10:publisher_confirms: a full reject-publish queue rejects the rest; exit 1, each reported",
  async () => {
    await using prefix = strategyQueues();
    const args = ["--count", "300", "--max-length", "100", "--queue", prefix.name];
    const result = await runTask("amqp10:publisher_confirms", args, { env: ENV });
    assertExit(result, 1);
    assertLines(result.stdout, publishedLines("300"));
    assert.deepEqual(
      result.stderr,
      Array(3).fill(
        " [!] The broker rejected 200 messages (101, 102, ... 300): a queue refused them (full?)",
      ),
    );
  },
);

amqp10Test(
  "amqp10:publisher_confirms: to an exchange no queue is bound to, every message is released",
  async () => {
    await using prefix = strategyQueues();
    const args = ["--count", "3", "--exchange", "amq.direct", "--strategy", "async"];
    const result = await runTask("amqp10:publisher_confirms", [...args, "--queue", prefix.name], {
      env: ENV,
    });
    assertExit(result, 1);
    assertLines(result.stdout, [publishedLines("3")[2]]);
    assert.deepEqual(result.stderr, [
      " [!] The broker released 3 messages (1, 2, 3): no queue got them (unroutable)",
    ]);
  },
);

amqp10Test(
  "several brokers, tried in order: a dead one first, from --url and from AMQP_URL; passwords masked",
  async () => {
    await using queue = testQueue("hello");
    const dead = urlWith((url) => url.port = String(freePort()));
    await using receiver = await startReady("amqp10:receive", ["--queue", queue.name], WAITING, {
      env: { AMQP_URL: `${dead},${BROKER_URL}` },
    });
    await receiver.waitFor(`Connected to "${maskUrl(BROKER_URL)}"`, { stream: "stderr" });
    const sent = await runOk("amqp10:send", [
      "--queue",
      queue.name,
      "--url",
      dead,
      "--url",
      BROKER_URL,
      "hi",
    ]);
    assert.deepEqual(sent, [" [x] Sent 'hi'"]);
    await receiver.waitFor("[x] Received 'hi'");
    const password = new URL(BROKER_URL).password;
    assert.ok(!receiver.stderr.join("\n").includes(`:${password}@`), "no password");
  },
);

amqp10Test(
  "the other track's queue with other arguments, and a user without permissions: the AMQP 0-9-1 sentences",
  async () => {
    await using queue = testQueue("hello");
    await withChannel((channel) => channel.assertQueue(queue.name, { durable: true }));
    await assertOneLineError("amqp10:send", ["--queue", queue.name], {
      code: 1,
      message: new RegExp(
        `^The queue "${
          literally(queue.name)
        }" already exists with x-queue-type "classic", but this program declares it with x-queue-type "quorum"; delete the queue with "rabbitmqctl delete_queue ${
          literally(queue.name)
        }"`,
      ),
    });

    await using limitedUser = await testUser("");
    const user = limitedUser.name;
    await managementRequest(BROKER_URL, `/api/permissions/%2F/${user}`, {
      method: "PUT",
      body: { configure: "^only-this$", write: ".*", read: ".*" },
    });
    const limited = limitedUser.url;
    const refused = await assertOneLineError("amqp10:send", [
      "--url",
      limited,
      "--queue",
      queue.name,
    ], {
      code: 1,
      message: new RegExp(
        `refused access for user "${literally(user)}": configure access to queue '${
          literally(queue.name)
        }' in vhost '/' refused`,
      ),
    });
    assert.doesNotMatch(refused.stderr[0], new RegExp(limitedUser.password));
  },
);
