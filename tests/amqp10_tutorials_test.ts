/**
 * The AMQP 1.0 track (scripts/amqp10/) on its own: each program's lines,
 * names and declarations, publisher to consumer, on RabbitMQ 4.x. Skipped,
 * with the reason, on 3.x.
 */
import assert from "node:assert/strict";
import { AWAITING_RPC, WAITING, WAITING_LOGS } from "../tools/lib/ready_lines.ts";
import { managementRequest } from "../lib/management.ts";
import { maskUrl } from "../lib/url.ts";
import {
  assertOneLineError,
  deleteExchanges,
  deleteQueues,
  ENV,
  freePort,
  Program,
  queueState,
  runTask,
  startReady,
  stopThenClean,
  uniqueName,
  URL,
  urlWith,
  withChannel,
} from "./_helpers.ts";
import { amqp10Test, withAmqp10 } from "./peers/amqp10/support.ts";

async function run(task: string, args: string[]) {
  const result = await runTask(task, args, { env: ENV });
  assert.equal(result.code, 0, `${task} ${args.join(" ")}: ${result.stderr.join("\n")}`);
  assert.deepEqual(result.stderr, []);
  return result;
}

const received = (program: Program) => program.stdout.filter((line) => line.startsWith(" [x] "));

amqp10Test(
  "amqp10:send and amqp10:receive: 'Hello World!' through a durable quorum queue",
  async () => {
    const queue = uniqueName("hello");
    const receiver = await startReady("amqp10:receive", ["--queue", queue], WAITING);
    try {
      assert.deepEqual((await run("amqp10:send", ["--queue", queue])).stdout, [
        " [x] Sent 'Hello World!'",
      ]);
      await run("amqp10:send", ["--queue", queue, "second", "one"]);
      await receiver.waitFor("[x] Received 'second one'");
      assert.deepEqual(received(receiver), [
        " [x] Received 'Hello World!'",
        " [x] Received 'second one'",
      ]);
      await withAmqp10(async (_, management) => {
        const info = await management.queueInfo(queue);
        assert.equal(info.type, "quorum");
        assert.equal(info.durable, true);
        assert.equal(info.messageCount, 0, "the receiver accepted both");
      });
    } finally {
      await stopThenClean(receiver, () => deleteQueues(queue));
    }
    assert.deepEqual(receiver.stderr, []);
  },
);

amqp10Test(
  "amqp10:new_task queues a durable task; amqp10:worker does it and accepts it",
  async () => {
    const queue = uniqueName("task_queue");
    await run("amqp10:new_task", ["--queue", queue, "first."]);
    const worker = await startReady("amqp10:worker", ["--queue", queue], WAITING);
    try {
      await worker.waitFor("[x] Done");
      assert.deepEqual(worker.stdout.slice(1), [" [x] Received 'first.'", " [x] Done"]);
      // Declared as a durable quorum queue: AMQP 0-9-1's declaration with the same arguments agrees.
      await withChannel((channel) =>
        channel.assertQueue(queue, { durable: true, arguments: { "x-queue-type": "quorum" } })
      );
    } finally {
      await stopThenClean(worker, () => deleteQueues(queue));
    }
  },
);

amqp10Test(
  "amqp10:emit_log reaches every amqp10:receive_logs; with none, the broker releases it",
  async () => {
    const exchange = uniqueName("logs");
    const released = await run("amqp10:emit_log", ["--exchange", exchange, "nobody hears"]);
    assert.deepEqual(released.stdout, [
      " [x] Sent 'nobody hears'",
      ` [.] No queue is bound to "${exchange}": nobody got it`,
    ]);
    const receivers = [
      await startReady("amqp10:receive_logs", ["--exchange", exchange], WAITING_LOGS),
      await startReady("amqp10:receive_logs", ["--exchange", exchange], WAITING_LOGS),
    ];
    try {
      assert.deepEqual((await run("amqp10:emit_log", ["--exchange", exchange])).stdout, [
        " [x] Sent 'info: Hello World!'",
      ]);
      for (const receiver of receivers) {
        await receiver.waitFor("[x] info: Hello World!");
        assert.deepEqual(received(receiver), [" [x] info: Hello World!"]);
      }
    } finally {
      await stopThenClean(receivers, () => deleteExchanges(exchange));
    }
  },
);

amqp10Test(
  "amqp10:emit_log_direct and amqp10:receive_logs_direct: only the severities bound",
  async () => {
    const exchange = uniqueName("direct_logs");
    const receiver = await startReady(
      "amqp10:receive_logs_direct",
      ["--exchange", exchange, "warning", "error"],
      WAITING_LOGS,
    );
    try {
      const sent = await run("amqp10:emit_log_direct", ["--exchange", exchange, "error", "Oops."]);
      assert.deepEqual(sent.stdout, [" [x] Sent 'error':'Oops.'"]);
      const unbound = await run("amqp10:emit_log_direct", ["--exchange", exchange, "info", "Hi"]);
      assert.deepEqual(unbound.stdout, [
        " [x] Sent 'info':'Hi'",
        ` [.] No queue is bound to "${exchange}" with "info": nobody got it`,
      ]);
      await run("amqp10:emit_log_direct", ["--exchange", exchange, "warning", "Careful"]);
      await receiver.waitFor("[x] 'warning':'Careful'");
      assert.deepEqual(received(receiver), [" [x] 'error':'Oops.'", " [x] 'warning':'Careful'"]);
    } finally {
      await stopThenClean(receiver, () => deleteExchanges(exchange));
    }
  },
);

amqp10Test(
  "amqp10:emit_log_topic and amqp10:receive_logs_topic: '*' one word, '#' any, a key with a slash",
  async () => {
    const exchange = uniqueName("topic_logs");
    const receiver = await startReady(
      "amqp10:receive_logs_topic",
      ["--exchange", exchange, "kern.*", "*.critical", "app/x.#"],
      WAITING_LOGS,
    );
    try {
      const sent = await run("amqp10:emit_log_topic", ["--exchange", exchange]);
      assert.deepEqual(sent.stdout, [
        " [x] Sent 'anonymous.info':'Hello World!'",
        ` [.] No binding of "${exchange}" matches "anonymous.info": nobody got it`,
      ]);
      for (
        const key of ["kern.critical", "kern.info", "disk.critical", "kern.disk.info", "app/x.y"]
      ) {
        await run("amqp10:emit_log_topic", ["--exchange", exchange, key, `about ${key}`]);
      }
      await receiver.waitFor("[x] 'app/x.y':'about app/x.y'");
      assert.deepEqual(received(receiver), [
        " [x] 'kern.critical':'about kern.critical'", // matches two keys, arrives once
        " [x] 'kern.info':'about kern.info'",
        " [x] 'disk.critical':'about disk.critical'",
        " [x] 'app/x.y':'about app/x.y'", // the slash is percent-encoded in the address
      ]);
    } finally {
      await stopThenClean(receiver, () => deleteExchanges(exchange));
    }
  },
);

amqp10Test(
  "amqp10:rpc_client gets fib(n) from amqp10:rpc_server, by Direct Reply-To and by a reply queue",
  async () => {
    const queue = uniqueName("rpc_queue");
    const server = await startReady("amqp10:rpc_server", ["--queue", queue], AWAITING_RPC);
    try {
      assert.deepEqual((await run("amqp10:rpc_client", ["--queue", queue, "10"])).stdout, [
        " [x] Requesting fib(10)",
        " [.] Got 55",
      ]);
      const viaQueue = await run("amqp10:rpc_client", ["--queue", queue, "--reply-queue", "007"]);
      assert.deepEqual(viaQueue.stdout, [" [x] Requesting fib(7)", " [.] Got 13"]);
      const refused = await runTask("amqp10:rpc_client", ["--queue", queue, "10001"], { env: ENV });
      assert.equal(refused.code, 1);
      assert.deepEqual(refused.stderr, [
        'The server refused fib(10001): "10001" is not a whole number from 0 to 10000',
      ]);
      await server.waitFor('Refused a request: "10001"', { stream: "stderr" });
      assert.deepEqual(server.stdout.slice(1), [" [.] fib(10)", " [.] fib(7)"]);
    } finally {
      await stopThenClean(server, () => deleteQueues(queue));
    }
  },
);

amqp10Test(
  "amqp10:rpc_client with no server: the queue's absence is one sentence; a silent server times out",
  async () => {
    const queue = uniqueName("rpc_queue");
    const missing = await runTask("amqp10:rpc_client", ["--queue", queue, "5"], { env: ENV });
    assert.equal(missing.code, 1);
    assert.match(
      missing.stderr.join("\n"),
      new RegExp(`^The queue "${queue.replace(/\./g, "\\.")}" does not exist in vhost "/"`),
    );
    await withAmqp10((_, management) => management.declareQueue(queue, { type: "quorum" }));
    try {
      const silent = await runTask("amqp10:rpc_client", ["--queue", queue, "--timeout", "1", "5"], {
        env: ENV,
      });
      assert.equal(silent.code, 1);
      assert.deepEqual(silent.stderr, [
        `No server answered on "${queue}" within 1 s; start one with "deno task amqp10:rpc_server"`,
      ]);
    } finally {
      await deleteQueues(queue);
    }
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

async function assertQueuesGone(prefix: string) {
  for (const name of ["individually", "batch", "async"]) {
    assert.equal(await queueState(`${prefix}.${name}`), "missing", `${prefix}.${name} is gone`);
  }
}

amqp10Test(
  "amqp10:publisher_confirms: 2,000 messages three ways, every one accepted, no queue left",
  async () => {
    const prefix = uniqueName("publisher_confirms");
    const result = await run("amqp10:publisher_confirms", ["--count", "2000", "--queue", prefix]);
    assertLines(result.stdout, publishedLines("2,000"));
    await assertQueuesGone(prefix);
  },
);

amqp10Test(
  "amqp10:publisher_confirms: a full reject-publish queue rejects the rest; exit 1, each reported",
  async () => {
    const prefix = uniqueName("publisher_confirms");
    const args = ["--count", "300", "--max-length", "100", "--queue", prefix];
    const result = await runTask("amqp10:publisher_confirms", args, { env: ENV });
    assert.equal(result.code, 1);
    assertLines(result.stdout, publishedLines("300"));
    assert.deepEqual(
      result.stderr,
      Array(3).fill(
        " [!] The broker rejected 200 messages (101, 102, ... 300): a queue refused them (full?)",
      ),
    );
    await assertQueuesGone(prefix);
  },
);

amqp10Test(
  "amqp10:publisher_confirms: to an exchange no queue is bound to, every message is released",
  async () => {
    const prefix = uniqueName("publisher_confirms");
    const args = [
      "--count",
      "3",
      "--exchange",
      "amq.direct",
      "--strategy",
      "async",
      "--queue",
      prefix,
    ];
    const result = await runTask("amqp10:publisher_confirms", args, { env: ENV });
    assert.equal(result.code, 1);
    assertLines(result.stdout, [publishedLines("3")[2]]);
    assert.deepEqual(result.stderr, [
      " [!] The broker released 3 messages (1, 2, 3): no queue got them (unroutable)",
    ]);
    await assertQueuesGone(prefix);
  },
);

amqp10Test(
  "several brokers, tried in order: a dead one first, from --url and from AMQP_URL; passwords masked",
  async () => {
    const queue = uniqueName("hello");
    const dead = urlWith((url) => url.port = String(freePort()));
    const receiver = await Program.start("amqp10:receive", ["--queue", queue], {
      env: { AMQP_URL: `${dead},${URL}` },
    });
    try {
      await receiver.waitFor(WAITING);
      await receiver.waitFor(`Connected to "${maskUrl(URL)}"`, { stream: "stderr" });
      const sent = await run("amqp10:send", ["--queue", queue, "--url", dead, "--url", URL, "hi"]);
      assert.deepEqual(sent.stdout, [" [x] Sent 'hi'"]);
      await receiver.waitFor("[x] Received 'hi'");
      const password = new globalThis.URL(URL).password;
      assert.ok(!receiver.stderr.join("\n").includes(`:${password}@`), "no password");
    } finally {
      await stopThenClean(receiver, () => deleteQueues(queue));
    }
  },
);

amqp10Test(
  "the other track's queue with other arguments, and a user without permissions: the AMQP 0-9-1 sentences",
  async () => {
    const queue = uniqueName("hello");
    await withChannel((channel) => channel.assertQueue(queue, { durable: true }));
    const user = uniqueName("limited");
    const password = crypto.randomUUID();
    try {
      await assertOneLineError("amqp10:send", ["--queue", queue], {
        code: 1,
        message: new RegExp(
          `^The queue "${
            queue.replace(/\./g, "\\.")
          }" already exists with x-queue-type "classic", but this program declares it with x-queue-type "quorum"; delete the queue with "rabbitmqctl delete_queue ${
            queue.replace(/\./g, "\\.")
          }"`,
        ),
      });
      await managementRequest(URL, `/api/users/${user}`, {
        method: "PUT",
        body: { password, tags: "" },
      });
      await managementRequest(URL, `/api/permissions/%2F/${user}`, {
        method: "PUT",
        body: { configure: "^only-this$", write: ".*", read: ".*" },
      });
      const limited = urlWith((url) => {
        url.username = user;
        url.password = password;
      });
      const refused = await assertOneLineError(
        "amqp10:send",
        ["--url", limited, "--queue", queue],
        {
          code: 1,
          message: new RegExp(
            `refused access for user "${user.replace(/\./g, "\\.")}": configure access to queue '${
              queue.replace(/\./g, "\\.")
            }' in vhost '/' refused`,
          ),
        },
      );
      assert.doesNotMatch(refused.stderr[0], new RegExp(password));
    } finally {
      await deleteQueues(queue);
      await managementRequest(URL, `/api/users/${user}`, { method: "DELETE" }).catch(() => {});
    }
  },
);
