import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { fileURLToPath } from "node:url";
import amqp, { type Channel, type ConsumeMessage } from "amqplib";
import { findPython } from "../bench/columns.ts";
import { pollUntil } from "../tools/lib/poll.ts";
import {
  deleteQueues,
  ENV,
  Program,
  runTask,
  startReady,
  stopThenClean,
  testName,
  uniqueName,
  URL,
  withChannel,
} from "./_helpers.ts";

const AWAITING = " [x] Awaiting RPC requests";

function startServer(queue: string) {
  return startReady("rpc_server", ["--queue", queue], AWAITING);
}

async function rpcClient(queue: string, args: string[]) {
  return await runTask("rpc_client", ["--queue", queue, ...args], { env: ENV });
}

/** The replies that arrived so far, and a way to wait for the next ones. */
interface Replies {
  received: ConsumeMessage[];
  /** Resolves once `count` replies have arrived, or rejects after 10 s. */
  until(count: number): Promise<void>;
}

/** Runs `fn` with a channel and an exclusive reply queue whose messages it collects. */
async function withReplyQueue<T>(
  fn: (channel: Channel, replyTo: string, replies: Replies) => Promise<T>,
): Promise<T> {
  const connection = await amqp.connect(URL, { noDelay: true });
  try {
    const channel = await connection.createChannel();
    const { queue } = await channel.assertQueue("", { exclusive: true });
    const received: ConsumeMessage[] = [];
    let wake = () => {};
    await channel.consume(queue, (msg) => {
      if (msg) received.push(msg);
      wake();
    }, { noAck: true });
    // Checked on each reply, and every 100 ms for the deadline.
    const until = async (count: number) => {
      await pollUntil(`${count} replies have come`, () => received.length >= count, {
        intervalMs: 100,
        changed: () => new Promise<void>((resolve) => wake = resolve),
      });
    };
    return await fn(channel, queue, { received, until });
  } finally {
    await connection.close();
  }
}

Deno.test("rpc_client.ts 10 prints ' [.] Got 55' from rpc_server.ts", async () => {
  const queue = uniqueName("rpc_queue");
  const server = await startServer(queue);
  try {
    const result = await rpcClient(queue, ["10"]);
    assert.equal(result.code, 0, result.stderr.join("\n"));
    assert.deepEqual(result.stdout, [" [x] Requesting fib(10)", " [.] Got 55"]);
    assert.deepEqual(result.stderr, []);
  } finally {
    await stopThenClean(server, () => deleteQueues(queue));
  }
  assert.deepEqual(server.stdout, [AWAITING, " [.] fib(10)"]);
});

Deno.test("rpc_client.ts 007 asks for fib(7), as the server reads it", async () => {
  const queue = uniqueName("rpc_queue");
  const server = await startServer(queue);
  try {
    const result = await rpcClient(queue, ["007"]);
    assert.deepEqual(result.stdout, [" [x] Requesting fib(7)", " [.] Got 13"]);
  } finally {
    await stopThenClean(server, () => deleteQueues(queue));
  }
  assert.deepEqual(server.stdout, [AWAITING, " [.] fib(7)"]);
});

Deno.test("rpc_client.ts: two clients calling at once each get their own answer", async () => {
  const queue = uniqueName("rpc_queue");
  const server = await startServer(queue);
  try {
    const [ten, twenty, thirty] = await Promise.all(
      ["10", "20", "30"].map((n) => rpcClient(queue, [n])),
    );
    assert.deepEqual(ten.stdout, [" [x] Requesting fib(10)", " [.] Got 55"]);
    assert.deepEqual(twenty.stdout, [" [x] Requesting fib(20)", " [.] Got 6765"]);
    assert.deepEqual(thirty.stdout, [" [x] Requesting fib(30)", " [.] Got 832040"]);
  } finally {
    await stopThenClean(server, () => deleteQueues(queue));
  }
});

Deno.test("rpc_client.ts with no server exits 1 after --timeout, naming the queue", async () => {
  const queue = uniqueName("rpc_queue");
  const started = Date.now();
  const result = await rpcClient(queue, ["--timeout", "2", "10"]);
  const seconds = (Date.now() - started) / 1000;
  assert.equal(result.code, 1);
  assert.deepEqual(result.stdout, [" [x] Requesting fib(10)"]);
  assert.deepEqual(result.stderr, [
    `No server answered on "${queue}" within 2 s; start one with "deno task rpc_server"`,
  ]);
  assert.ok(seconds >= 2 && seconds < 4, `exited after ${seconds} s`);
});

Deno.test("rpc_client.ts ignores replies with another correlation id", async () => {
  const queue = uniqueName("rpc_queue");
  // A server that first answers with a wrong correlation id, then with the right one.
  try {
    await withReplyQueue(async (channel) => {
      await channel.assertQueue(queue, { durable: true, arguments: { "x-queue-type": "quorum" } });
      await channel.consume(queue, (msg) => {
        if (!msg) return;
        const { replyTo, correlationId } = msg.properties;
        channel.sendToQueue(replyTo, Buffer.from("666"), { correlationId: crypto.randomUUID() });
        channel.sendToQueue(replyTo, Buffer.from("55"), { correlationId });
        channel.ack(msg);
      });
      const result = await rpcClient(queue, ["10"]);
      assert.equal(result.code, 0, result.stderr.join("\n"));
      assert.deepEqual(result.stdout, [" [x] Requesting fib(10)", " [.] Got 55"]);
    });
  } finally {
    await deleteQueues(queue);
  }
});

Deno.test("rpc_client.ts sends a random UUID correlation id and asks for the reply by Direct Reply-To, which no other connection can read", async () => {
  const queue = uniqueName("rpc_queue");
  const seen: ConsumeMessage[] = [];
  const fromOtherConnection: string[] = [];
  try {
    await withReplyQueue(async (channel) => {
      await channel.assertQueue(queue, { durable: true, arguments: { "x-queue-type": "quorum" } });
      await channel.consume(queue, async (msg) => {
        if (!msg) return;
        seen.push(msg);
        // Direct Reply-To's replies go to the client's channel alone: another connection may
        // not consume them (3.10: no such queue; 4.3: only the creator channel may).
        await withChannel((other) => other.consume(msg.properties.replyTo, () => {}))
          .then(() => fromOtherConnection.push("consumed"))
          .catch((error) => fromOtherConnection.push(error.message));
        channel.sendToQueue(msg.properties.replyTo, Buffer.from("1"), {
          correlationId: msg.properties.correlationId,
        });
        channel.ack(msg);
      });
      for (let i = 0; i < 2; i++) assert.equal((await rpcClient(queue, ["1"])).code, 0);
    });
  } finally {
    await deleteQueues(queue);
  }
  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
  assert.equal(seen.length, 2);
  for (const msg of seen) {
    assert.match(msg.properties.correlationId, UUID);
    assert.match(
      msg.properties.replyTo,
      /^amq\.rabbitmq\.reply-to\../,
      "Direct Reply-To: the broker's name for the client's channel, not a queue it declared",
    );
  }
  assert.notEqual(seen[0].properties.correlationId, seen[1].properties.correlationId);
  assert.notEqual(seen[0].properties.replyTo, seen[1].properties.replyTo, "each client its own");
  for (const outcome of fromOtherConnection) {
    assert.match(outcome, /NOT_FOUND|only creator channel may consume/);
  }
  assert.equal(fromOtherConnection.length, 2);
});

Deno.test("rpc_server.ts answers an invalid request with an error reply and keeps serving", async () => {
  const queue = uniqueName("rpc_queue");
  const server = await startServer(queue);
  const bad = ["abc", "-1", "1.5", "", "99999999999999999999"];
  try {
    await withReplyQueue(async (channel, replyTo, replies) => {
      for (const body of bad) {
        channel.sendToQueue(queue, Buffer.from(body), { replyTo, correlationId: `id-${body}` });
      }
      await replies.until(bad.length);
      for (const [i, body] of bad.entries()) {
        const reply = replies.received[i];
        assert.equal(reply.properties.correlationId, `id-${body}`);
        assert.equal(reply.properties.type, "error");
        assert.equal(
          reply.content.toString(),
          `"${body}" is not a whole number from 0 to 10000`,
        );
      }
    });
    const result = await rpcClient(queue, ["10"]);
    assert.deepEqual(result.stdout, [" [x] Requesting fib(10)", " [.] Got 55"]);
    await server.waitFor("Refused a request", { count: bad.length, stream: "stderr" });
    assert.equal(server.stderr.length, bad.length);
    assert.match(
      server.stderr[0],
      /^Refused a request: "abc" is not a whole number from 0 to 10000$/,
    );
  } finally {
    await stopThenClean(server, () => deleteQueues(queue));
  }
});

Deno.test("rpc_client.ts reports the server's error reply and exits 1", async () => {
  const queue = uniqueName("rpc_queue");
  const server = await startServer(queue);
  try {
    const result = await rpcClient(queue, ["20000"]);
    assert.equal(result.code, 1);
    assert.deepEqual(result.stderr, [
      'The server refused fib(20000): "20000" is not a whole number from 0 to 10000',
    ]);
  } finally {
    await stopThenClean(server, () => deleteQueues(queue));
  }
});

Deno.test("rpc_client.ts refuses an n that is not a whole number, without connecting", async () => {
  const result = await rpcClient(uniqueName("rpc_queue"), ["ten", "--url", "amqp://localhost:1"]);
  assert.equal(result.code, 2);
  assert.deepEqual(result.stderr, ['Invalid n "ten": expected a whole number such as 30']);
});

/** The median of `calls` round trips (after 5 warm-up calls) through the server on `queue`. */
async function medianRoundTripMs(queue: string, calls = 25): Promise<number> {
  return await withReplyQueue(async (channel, replyTo, replies) => {
    const times: number[] = [];
    for (let i = 0; i < calls + 5; i++) {
      const started = performance.now();
      channel.sendToQueue(queue, Buffer.from("10"), { replyTo, correlationId: String(i) });
      await replies.until(i + 1);
      times.push(performance.now() - started);
    }
    return times.slice(5).sort((a, b) => a - b)[Math.floor(calls / 2)];
  });
}

/**
 * Runs `fn` while a server on `queue` does rpc_server.ts's AMQP work (the quorum queue,
 * prefetch 1, a reply, an ack) on a connection with Nagle's algorithm on, amqplib's default.
 */
async function withNagleServer<T>(queue: string, fn: () => Promise<T>): Promise<T> {
  const connection = await amqp.connect(URL, { noDelay: false });
  try {
    const channel = await connection.createChannel();
    await channel.assertQueue(queue, { durable: true, arguments: { "x-queue-type": "quorum" } });
    await channel.prefetch(1);
    await channel.consume(queue, (msg) => {
      if (!msg) return;
      const { replyTo, correlationId } = msg.properties;
      channel.sendToQueue(replyTo, Buffer.from("55"), { correlationId });
      channel.ack(msg);
    });
    return await fn();
  } finally {
    await connection.close();
  }
}

Deno.test("an RPC round trip through rpc_server.ts has no Nagle delay: a fraction of a server's with Nagle on, on this machine", async () => {
  // With Nagle's algorithm the server's ack waits for the broker's delayed TCP ack (~40 ms),
  // and with prefetch 1 the next request waits for that ack. Both servers are timed on the same
  // machine and broker, one after the other, so a busy machine slows both.
  const nagleQueue = uniqueName("rpc_queue.nagle");
  let nagle: number;
  try {
    nagle = await withNagleServer(nagleQueue, () => medianRoundTripMs(nagleQueue));
  } finally {
    await deleteQueues(nagleQueue);
  }
  const queue = uniqueName("rpc_queue");
  const server = await startServer(queue);
  let ours: number;
  try {
    ours = await medianRoundTripMs(queue);
  } finally {
    await stopThenClean(server, () => deleteQueues(queue));
  }
  const medians = `rpc_server.ts ${ours.toFixed(2)} ms, with Nagle on ${nagle.toFixed(2)} ms`;
  assert.ok(nagle >= 20, `the Nagle delay shows here, or this test proves nothing: ${medians}`);
  assert.ok(ours < nagle / 2, medians);
});

// The official programs of other languages on the same queue: the Python client asks with an
// exclusive reply queue (rabbitmq-tutorials python/rpc_client.py), the JavaScript one, as ours,
// with Direct Reply-To; either way the server replies to reply_to with the correlation id.
const { python, why: noPika } = await findPython(() => {});
const PEERS = new globalThis.URL("../bench/peers/", import.meta.url);

/** Starts, or runs, the official pika program `name` (bench/peers/NAME.py) on `queue`. */
function pika(name: "rpc_client" | "rpc_server", queue: string, args: string[] = []) {
  return Program.command(
    python!,
    [fileURLToPath(new globalThis.URL(`${name}.py`, PEERS)), ...args],
    {
      // Each line as it is printed; no __pycache__ folder in bench/peers.
      env: { ...ENV, QUEUE: queue, PYTHONUNBUFFERED: "1", PYTHONDONTWRITEBYTECODE: "1" },
    },
  );
}

/** A test with a pika program: skipped, saying why, where python3-pika is missing. */
function pikaTest(name: string, fn: () => Promise<void>) {
  Deno.test({ name: testName(name, noPika), ignore: noPika !== undefined, fn });
}

pikaTest(
  "rpc_server.ts answers the official Python client (pika, an exclusive reply queue)",
  async () => {
    const queue = uniqueName("rpc_queue");
    const server = await startServer(queue);
    try {
      const client = pika("rpc_client", queue, ["10"]);
      assert.equal(await client.exited, 0, client.stderr.join("\n"));
      assert.deepEqual(client.stdout, [" [x] Requesting fib(10)", " [.] Got 55"]);
    } finally {
      await stopThenClean(server, () => deleteQueues(queue));
    }
    assert.deepEqual(server.stdout, [AWAITING, " [.] fib(10)"]);
  },
);

pikaTest(
  "rpc_client.ts, by Direct Reply-To, is answered by the official Python server (pika)",
  async () => {
    const queue = uniqueName("rpc_queue");
    const server = pika("rpc_server", queue);
    try {
      await server.waitFor(AWAITING);
      const result = await rpcClient(queue, ["10"]);
      assert.equal(result.code, 0, result.stderr.join("\n"));
      assert.deepEqual(result.stdout, [" [x] Requesting fib(10)", " [.] Got 55"]);
      await server.waitFor(" [.] fib(10)");
    } finally {
      await server.stop(); // pika's program has no Ctrl+C handler: its exit code says nothing
      await deleteQueues(queue);
    }
  },
);

for (const task of ["rpc_server", "rpc_client"]) {
  Deno.test(`${task}.ts --help names the --queue flag and the default queue "rpc_queue"`, async () => {
    const result = await runTask(task, ["--help"], { env: ENV });
    assert.equal(result.code, 0);
    assert.ok(result.stdout.some((line) => /--queue QUEUE .*\(default: rpc_queue\)/.test(line)));
  });
}
