/**
 * The stream tutorials (scripts/stream/) against the test broker's stream
 * port: `RABBITMQ_STREAM_PORT`, else 5552. They need RabbitMQ 3.11 or
 * later; against an older broker (Debian's 3.10.8) only the sentence that
 * says so is tested, and every other test is skipped naming the version.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import rabbit, { type Client } from "rabbitmq-stream-js-client";
import { streamOptions, supportsStreams } from "../lib/stream.ts";
import { rabbitmqCommand } from "../tools/lib/broker.ts";
import { WAITING } from "../tools/lib/ready_lines.ts";
import {
  assertExit,
  assertOneLineError,
  atExit,
  BROKER_URL,
  brokerVersionAt,
  cannotRestartReason,
  ENV,
  eventually,
  freePort,
  KILLED,
  runTask,
  startReady,
  stopped,
  test,
  testName,
  testQueue,
  withChannel,
} from "./_helpers.ts";

const PORT = Number(Deno.env.get("RABBITMQ_STREAM_PORT") || 5552);
/** The environment of the stream programs under test: the test broker and its stream port. */
const STREAM_ENV = { ...ENV, RABBITMQ_STREAM_PORT: String(PORT) };
const PROGRAMS = [
  "stream:send",
  "stream:receive",
  "stream:offset_tracking_send",
  "stream:offset_tracking_receive",
];
const REFERENCE = "offset-tracking-tutorial";
const DONE = /^Done consuming, first offset was (\d+), last offset was (\d+)$/;

const VERSION = await brokerVersionAt();
const TOO_OLD = supportsStreams(VERSION)
  ? undefined
  : `the broker is RabbitMQ ${VERSION}, older than 3.11, which the stream client needs`;

/** A test that needs streams: skipped, naming the version, on a broker older than 3.11. */
function streamTest(name: string, fn: (t: Deno.TestContext) => Promise<void>, skip = TOO_OLD) {
  test({ name: testName(name, skip), ignore: skip !== undefined, fn });
}

/** Runs `fn` with a stream client of the test's own, connected to the test broker. */
async function withStreamClient<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const client = await rabbit.connect(streamOptions(BROKER_URL, PORT, "stream test"));
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

/** Appends the messages to the stream (declaring it as offset_tracking_send does) and waits for their confirms. */
async function publish(stream: string, bodies: string[]): Promise<void> {
  await withStreamClient(async (client) => {
    await client.createStream({ stream, arguments: {} });
    const publisher = await client.declarePublisher({ stream });
    let confirmed = 0;
    const all = Promise.withResolvers<void>();
    publisher.on("publish_confirm", (error, ids) => {
      if (error !== null) all.reject(new Error(`publish error ${error}`));
      confirmed += ids.length;
      if (confirmed === bodies.length) all.resolve();
    });
    for (const body of bodies) await publisher.send(Buffer.from(body));
    await all.promise;
  });
}

/** The offset stored under the tutorial's consumer reference, or undefined if none is. */
async function storedOffset(stream: string): Promise<bigint | undefined> {
  return await withStreamClient(async (client) => {
    try {
      return await client.queryOffset({ reference: REFERENCE, stream });
    } catch {
      return undefined;
    }
  });
}

/** The offset and body of the first message at or after `offset`, read by a consumer of the test's own. */
async function firstMessageFrom(stream: string, offset: bigint) {
  return await withStreamClient(async (client) => {
    const first = Promise.withResolvers<{ offset: bigint; body: string }>();
    await client.declareConsumer(
      { stream, offset: rabbit.Offset.offset(offset) },
      (message) => first.resolve({ offset: message.offset!, body: message.content.toString() }),
    );
    return await first.promise;
  });
}

/** The first and last offsets of an offset_tracking_receive run, from its last line. */
function offsetsOf(stdout: string[]): { first: bigint; last: bigint } {
  const done = stdout.at(-1)?.match(DONE);
  assert.ok(done, `a "Done consuming" line last: ${JSON.stringify(stdout)}`);
  return { first: BigInt(done[1]), last: BigInt(done[2]) };
}

/** Runs offset_tracking_receive to the next marker and returns its first and last offsets. */
async function receiveToMarker(stream: string) {
  const result = await runTask("stream:offset_tracking_receive", ["--stream", stream], {
    env: STREAM_ENV,
  });
  assertExit(result, 0);
  assert.deepEqual(result.stderr, []);
  assert.ok(result.stdout.includes("Marker found"), result.stdout.join("\n"));
  return offsetsOf(result.stdout);
}

async function offsetTrackingSend(stream: string, args: string[] = []) {
  const sent = await runTask("stream:offset_tracking_send", ["--stream", stream, ...args], {
    env: STREAM_ENV,
  });
  assertExit(sent, 0);
  return sent;
}

streamTest(
  "stream:receive prints what stream:send appended, and a receiver started later reads it again from the first offset",
  async () => {
    await using stream = testQueue("hello-nodejs-stream");
    const args = ["--stream", stream.name];
    await using first = await startReady("stream:receive", args, WAITING, { env: STREAM_ENV });
    const sent = await runTask("stream:send", args, { env: STREAM_ENV });
    assertExit(sent, 0);
    assert.deepEqual(sent.stdout, [
      "Connecting...",
      "Making sure the stream exists...",
      "Creating the publisher...",
      "Sending a message...",
      "Closing the connection...",
      "done!",
    ]);
    await first.waitFor("Received message Test message");

    // A queue would be empty now; the stream still has the message for the next reader.
    await using later = await startReady("stream:receive", args, WAITING, { env: STREAM_ENV });
    await later.waitFor("Received message Test message");
    const programs = [first, later];
    for (const program of programs) assertExit(await stopped(program), 0);
    for (const program of programs) {
      assert.deepEqual(program.stderr, []);
      assert.deepEqual(program.stdout.filter((line) => line.startsWith("Received")), [
        "Received message Test message",
      ]);
    }
  },
);

streamTest(
  "stream:offset_tracking_receive reads offsets 0 to 99 up to the marker; after 100 more messages it starts right after its stored offset and ends at the new marker: nothing read twice, nothing skipped",
  async () => {
    await using queue = testQueue("stream-offset-tracking-javascript");
    const stream = queue.name;
    const sent = await offsetTrackingSend(stream);
    assert.deepEqual(sent.stdout, [
      "Connecting...",
      "Making sure the stream exists...",
      "Creating the publisher...",
      "Publishing 100 messages",
      "Closing the connection...",
      "done!",
    ]);
    const run1 = await receiveToMarker(stream);
    assert.deepEqual(run1, { first: 0n, last: 99n });
    assert.equal(await storedOffset(stream), 99n, "the offset stored at the marker");

    await offsetTrackingSend(stream);
    const run2 = await receiveToMarker(stream);
    // The broker writes stored offsets into the stream too, so the new messages start a few
    // offsets after 100: the second run must start at the first message after offset 99.
    const next = await firstMessageFrom(stream, run1.last + 1n);
    assert.equal(next.body, "hello 0", "the first message of the second batch");
    assert.equal(run2.first, next.offset, "the second run starts right after the stored offset");
    assert.ok(run2.last > run2.first);
    assert.equal(await storedOffset(stream), run2.last, "the offset stored at the new marker");

    // With no new marker, a third run waits for one; Ctrl+C ends it cleanly.
    await using third = await startReady(
      "stream:offset_tracking_receive",
      ["--stream", stream],
      "Start consuming...",
      { env: STREAM_ENV },
    );
    assertExit(await stopped(third), 0);
    assert.ok(!third.stdout.includes("First message received"), third.stdout.join("\n"));
  },
);

streamTest(
  "stream:offset_tracking_receive killed with SIGKILL halfway through 1,000 messages: the next run starts at its last stored offset + 1, re-reading at most the messages since that store",
  async () => {
    await using queue = testQueue("stream-offset-tracking-javascript");
    const stream = queue.name;
    const hello = (from: number, to: number) =>
      Array.from({ length: to - from }, (_, i) => `hello ${from + i}`);
    // The first 495 of 1,000 messages (offsets 0 to 494): the receiver stores its offset at
    // its 490th message (offset 489) and has at most 5 messages read past that store.
    await publish(stream, hello(0, 495));
    {
      await using receiver = await startReady(
        "stream:offset_tracking_receive",
        ["--stream", stream],
        "First message received",
        { env: STREAM_ENV },
      );
      await eventually(
        "the receiver has stored offset 489",
        async () => (await storedOffset(stream)) === 489n,
      );
      assertExit(await stopped(receiver, "SIGKILL"), KILLED);
    }
    const stored = await storedOffset(stream);
    assert.equal(stored, 489n);
    await publish(stream, [...hello(495, 999), "marker"]);

    const run = await receiveToMarker(stream);
    assert.equal(run.first, stored + 1n, "starts right after the last stored offset");
    const reread = 494n - run.first + 1n; // of the messages the killed run may have read
    assert.ok(reread <= 10n, `re-reads at most the messages since that store (${reread})`);
    assert.equal((await firstMessageFrom(stream, run.last)).body, "marker");
    assert.equal(await storedOffset(stream), run.last);
  },
);

streamTest(
  "stream:send refuses a stream that exists with other arguments, in one sentence",
  async () => {
    await using queue = testQueue("hello-nodejs-stream");
    const stream = queue.name;
    // A stream declared as offset_tracking_send declares its own: without a retention limit.
    await withChannel((channel) =>
      channel.assertQueue(stream, { durable: true, arguments: { "x-queue-type": "stream" } })
    );
    await assertOneLineError("stream:send", ["--stream", stream], {
      code: 1,
      message: new RegExp(
        `^The stream "${
          stream.replace(/\W/g, ".")
        }" already exists with other arguments than this program declares \\(with max-length-bytes 5000000000\\); delete it with "rabbitmqctl delete_queue`,
      ),
    });
  },
);

streamTest(
  "every stream program, given a stream port where nothing listens, names the broker's stream port and exits 1",
  async (t) => {
    const port = freePort();
    for (const program of PROGRAMS) {
      await t.step(program, async () => {
        await assertOneLineError(program, ["--stream-port", String(port)], {
          code: 1,
          message: new RegExp(
            `\\(RabbitMQ ${
              VERSION.replace(/\W/g, ".")
            }\\) listens for streams on port ${PORT}, not ${port}: nothing answers on "[^"]+:${port}"; pass --stream-port ${PORT}`,
          ),
        });
      });
    }
  },
);

/** Why the stream plugin cannot be turned off and on again here, if it cannot. */
async function pluginSkip(): Promise<string | undefined> {
  if (TOO_OLD) return TOO_OLD;
  // Turning a plugin off reconfigures the broker: only one this project started.
  return await cannotRestartReason();
}

async function plugins(...args: string[]): Promise<void> {
  const result = await new Deno.Command(rabbitmqCommand("rabbitmq-plugins"), {
    args: ["-q", ...args],
    stdin: "null",
  }).output();
  if (!result.success) {
    throw new Error(
      `rabbitmq-plugins ${args.join(" ")}: ${new TextDecoder().decode(result.stderr)}`,
    );
  }
}

async function portAnswers(port: number): Promise<boolean> {
  try {
    (await Deno.connect({ hostname: new URL(BROKER_URL).hostname, port })).close();
    return true;
  } catch {
    return false;
  }
}

streamTest(
  "every stream program, with the stream plugin off, says how to turn it on and exits 1",
  async (t) => {
    await plugins("disable", "rabbitmq_stream");
    await using _enabledAgain = atExit(async () => {
      await plugins("enable", "rabbitmq_stream");
      await eventually("the stream port answers again", () => portAnswers(PORT), 60_000);
    });
    await eventually("the stream port is closed", async () => !(await portAnswers(PORT)));
    for (const program of PROGRAMS) {
      await t.step(program, async () => {
        await assertOneLineError(program, [], {
          code: 1,
          message: new RegExp(
            `\\(RabbitMQ ${
              VERSION.replace(/\W/g, ".")
            }\\) does not listen for streams: its plugin rabbitmq_stream is off; enable it with "rabbitmq-plugins enable rabbitmq_stream"`,
          ),
        });
      });
    }
  },
  await pluginSkip(),
);

test({
  name: testName(
    "every stream program, against a broker older than 3.11, says which version it met and exits 1",
    TOO_OLD
      ? undefined
      : `the broker is RabbitMQ ${VERSION}, which has streams: this sentence needs one older than 3.11`,
  ),
  ignore: !TOO_OLD,
  async fn(t) {
    for (const program of PROGRAMS) {
      await t.step(program, async () => {
        await assertOneLineError(program, [], {
          code: 1,
          message: new RegExp(
            `^The broker at "[^"]+" is RabbitMQ ${
              VERSION.replace(/\W/g, ".")
            }, but the stream client needs RabbitMQ 3\\.11 or later; `,
          ),
        });
      });
    }
  },
});
