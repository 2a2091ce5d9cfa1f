/**
 * Stream tutorials 3 to 6 (scripts/stream/): deduplication, single active
 * consumer, super streams and filtering, against the test broker's stream
 * port. Each is checked against something else than the stream client's own
 * bookkeeping: what the streams hold, read over AMQP 0-9-1 with amqplib (a
 * stream is a queue there: `x-stream-offset`, `x-stream-filter`), and the
 * broker's view of the consumers (`rabbitmqctl list_stream_consumers`). They
 * need RabbitMQ 3.13 or later (filtering, super streams declared by a
 * client); on an older broker only the sentence that says so is tested.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import amqp from "amqplib";
import rabbit from "rabbitmq-stream-js-client";
import { streamOptions, supportsStreams, versionAtLeast } from "../lib/stream.ts";
import { brokerCtl, brokerKind } from "../tools/lib/broker.ts";
import { WAITING_INVOICES, waitingForOrders, waitingToBeActive } from "../tools/lib/ready_lines.ts";
import {
  assertExit,
  assertOneLineError,
  atExit,
  BROKER_URL,
  brokerVersionAt,
  deleteExchanges,
  deleteQueues,
  ENV,
  eventually,
  freePort,
  KILLED,
  type Program,
  runTask,
  startReady,
  stopped,
  test,
  testName,
  testQueue,
  uniqueName,
  withChannel,
} from "./_helpers.ts";

const PORT = Number(Deno.env.get("RABBITMQ_STREAM_PORT") || 5552);
/** The environment of the stream programs under test: the test broker and its stream port. */
const STREAM_ENV = { ...ENV, RABBITMQ_STREAM_PORT: String(PORT) };

const VERSION = await brokerVersionAt();
/** Why a test of a tutorial needing RabbitMQ `since` is skipped here, if it is. */
function tooOld(since: string, what: string): string | undefined {
  return versionAtLeast(VERSION, since)
    ? undefined
    : `the broker is RabbitMQ ${VERSION}, but ${what} needs ${since}`;
}
const NO_STREAMS = tooOld("3.11", "the stream client");
const NO_FILTERING = tooOld("3.13", "stream filtering");
const NO_SUPER_STREAMS = tooOld("3.13", "declaring a super stream from a client");
/** Why the broker's view of the consumers cannot be had here, if it cannot. */
const NO_CTL = (await brokerKind(BROKER_URL)) === "remote"
  ? "the broker's view of the consumers comes from rabbitmqctl, which cannot reach the test broker"
  : undefined;

/** A test of the tutorials: skipped, with the first reason there is, where it cannot run. */
function featureTest(
  name: string,
  fn: (t: Deno.TestContext) => Promise<void>,
  ...skips: (string | undefined)[]
) {
  const skip = skips.find((reason) => reason !== undefined);
  test({ name: testName(name, skip), ignore: skip !== undefined, fn });
}

/** A regular expression matching `text` literally. */
function literally(text: string): RegExp {
  return new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
}

interface AmqpMessage {
  body: string;
  headers: Record<string, unknown>;
}

/**
 * The messages of a stream read over AMQP 0-9-1 with amqplib, from the
 * first offset, up to the first one for which `last` is true (included);
 * `args` are the consumer's further arguments (`x-stream-filter`).
 */
async function readOverAmqp(
  stream: string,
  last: (message: AmqpMessage) => boolean,
  args: Record<string, unknown> = {},
): Promise<AmqpMessage[]> {
  return await withChannel(async (channel) => {
    const messages: AmqpMessage[] = [];
    const done = Promise.withResolvers<void>();
    await channel.prefetch(100); // a stream needs a prefetch and acks over AMQP 0-9-1
    const { consumerTag } = await channel.consume(stream, (delivery) => {
      if (!delivery) return done.reject(new Error(`the consumer of ${stream} was cancelled`));
      channel.ack(delivery);
      const message = {
        body: delivery.content.toString(),
        headers: (delivery.properties.headers ?? {}) as Record<string, unknown>,
      };
      if (messages.length > 0 && last(messages.at(-1)!)) return; // past the last one
      messages.push(message);
      if (last(message)) done.resolve();
    }, { arguments: { "x-stream-offset": "first", ...args } });
    const timer = setTimeout(
      () => done.reject(new Error(`${stream}: no last message in 10 s, got ${messages.length}`)),
      10_000,
    );
    await done.promise.finally(() => clearTimeout(timer));
    await channel.cancel(consumerTag);
    return messages;
  });
}

/**
 * Every message of a stream, read over AMQP 0-9-1: the test appends a
 * sentinel message to it (with amqplib, confirmed) and reads up to it.
 */
async function allOverAmqp(stream: string): Promise<string[]> {
  const sentinel = `test sentinel ${crypto.randomUUID()}`;
  const connection = await amqp.connect(BROKER_URL);
  try {
    const channel = await connection.createConfirmChannel();
    channel.sendToQueue(stream, Buffer.from(sentinel));
    await channel.waitForConfirms();
  } finally {
    await connection.close();
  }
  const messages = await readOverAmqp(stream, (message) => message.body === sentinel);
  return messages.map((message) => message.body).filter((body) =>
    !body.startsWith("test sentinel")
  );
}

/** The offset stored on the broker under `reference`, or undefined if none is. */
async function storedOffset(stream: string, reference: string): Promise<bigint | undefined> {
  const client = await rabbit.connect(streamOptions(BROKER_URL, PORT, "stream features test"));
  try {
    return await client.queryOffset({ reference, stream }).catch(() => undefined);
  } finally {
    await client.close();
  }
}

interface ConsumerView {
  stream: string;
  active: boolean;
}

/** The broker's view of the stream consumers of these streams (rabbitmqctl list_stream_consumers). */
async function consumersOf(...streams: string[]): Promise<ConsumerView[]> {
  const json = await brokerCtl(BROKER_URL, [
    "-q",
    "list_stream_consumers",
    "stream",
    "active",
    "--formatter",
    "json",
  ]);
  return (JSON.parse(json) as ConsumerView[]).filter((consumer) =>
    streams.includes(consumer.stream)
  );
}

/** The lines of a program that start with ` [x] `, without it, but those of the test's sentinels. */
function received(program: Program): string[] {
  return program.stdout.filter((line) =>
    line.startsWith(" [x] ") && !line.includes("test sentinel")
  )
    .map((line) => line.slice(5));
}

featureTest(
  "stream:deduplication_send killed with SIGKILL mid-way and run again sends on after the broker's last publishing id: the stream holds message 1 to message 200 once each, in order (read over AMQP 0-9-1); sent all again, the broker drops them",
  async () => {
    await using queue = testQueue("stream-deduplication-javascript");
    const args = ["--stream", queue.name, "--count", "200", "--interval", "5"];
    {
      await using sender = await startReady(
        "stream:deduplication_send",
        args,
        " [x] Sent message 60",
        { env: STREAM_ENV },
      );
      assertExit(await stopped(sender, "SIGKILL"), KILLED);
    }
    const rerun = await runTask("stream:deduplication_send", args, { env: STREAM_ENV });
    assertExit(rerun, 0);
    const lastId = Number(
      rerun.stdout.find((line) => line.startsWith("The broker's last publishing id"))
        ?.match(/: (\d+)$/)?.[1],
    );
    assert.ok(lastId > 0 && lastId < 200, `killed mid-way: the broker had ${lastId}`);
    const sent = rerun.stdout.filter((line) => line.startsWith(" [x] Sent"));
    assert.equal(sent[0], ` [x] Sent message ${lastId + 1}`, "sends on after the last id");
    assert.equal(sent.length, 200 - lastId);

    const expected = Array.from({ length: 200 }, (_, i) => `message ${i + 1}`);
    assert.deepEqual(await allOverAmqp(queue.name), expected);

    const again = await runTask("stream:deduplication_send", [...args, "--from", "1"], {
      env: STREAM_ENV,
    });
    assertExit(again, 0);
    assert.equal(again.stdout.filter((line) => line.startsWith(" [x] Sent")).length, 200);
    assert.deepEqual(await allOverAmqp(queue.name), expected, "the broker dropped all 200");

    const read = await runTask("stream:deduplication_receive", [
      "--stream",
      queue.name,
      "--count",
      "200",
    ], { env: STREAM_ENV });
    assertExit(read, 0);
    assert.equal(
      read.stdout.at(-1),
      "Done: 200 messages, message 1 to message 200, each once, in order",
    );
  },
  NO_STREAMS,
);

// The consumer name the single active consumers share (the program's default).
const SAC_WAITING = waitingToBeActive("sac-tutorial");

featureTest(
  "stream:single_active_consumer_receive, three of them: one reads; killed with SIGKILL, the next one takes over after the stored offset; the messages read are message 1 to message 20, none twice, none skipped",
  async () => {
    await using queue = testQueue("stream-sac-javascript");
    const stream = queue.name;
    const args = ["--stream", stream];
    // The stream first, so that the three do not race to declare it.
    assertExit(
      await runTask("stream:single_active_consumer_send", [...args, "--count", "1"], {
        env: STREAM_ENV,
      }),
      0,
    );
    await using one = await startReady("stream:single_active_consumer_receive", args, SAC_WAITING, {
      env: STREAM_ENV,
    });
    await using two = await startReady("stream:single_active_consumer_receive", args, SAC_WAITING, {
      env: STREAM_ENV,
    });
    await using three = await startReady(
      "stream:single_active_consumer_receive",
      args,
      SAC_WAITING,
      { env: STREAM_ENV },
    );
    const consumers = [one, two, three];
    const activeOnes = () =>
      consumers.filter((c) => c.stdout.some((l) => l.includes("Active now")));
    await eventually("one consumer is active", () => Promise.resolve(activeOnes().length > 0));
    await eventually("the broker lists three consumers, one active", async () => {
      const view = await consumersOf(stream);
      return view.length === 3 && view.filter((c) => c.active).length === 1;
    });
    const [first] = activeOnes();
    assert.equal(activeOnes().length, 1);
    assert.equal(
      first.stdout.find((l) => l.includes("Active now")),
      " [*] Active now: reading from the first message",
    );

    const send = async (count: number) =>
      assertExit(
        await runTask("stream:single_active_consumer_send", [...args, "--count", String(count)], {
          env: STREAM_ENV,
        }),
        0,
      );
    await send(9);
    await first.waitFor(/^ \[x\] Received message 10 /);
    const lastOffset = BigInt(received(first).at(-1)!.match(/offset (\d+)\)$/)![1]);
    await eventually(
      "its offset is stored",
      async () => (await storedOffset(stream, "sac-tutorial")) === lastOffset,
    );
    assertExit(await stopped(first, "SIGKILL"), KILLED);

    await eventually(
      "another consumer is active",
      () => Promise.resolve(activeOnes().length === 2),
    );
    const [next] = activeOnes().filter((c) => c !== first);
    assert.equal(
      next.stdout.find((l) => l.includes("Active now")),
      ` [*] Active now: reading from offset ${lastOffset + 1n}`,
    );
    await eventually("the broker lists two consumers, one active", async () => {
      const view = await consumersOf(stream);
      return view.length === 2 && view.filter((c) => c.active).length === 1;
    });
    await send(10);
    await next.waitFor(/^ \[x\] Received message 20 /);

    const bodies = (program: Program) =>
      received(program).map((line) => line.replace(/ \(offset \d+\)$/, ""));
    assert.deepEqual(
      [...bodies(first), ...bodies(next)],
      Array.from({ length: 20 }, (_, i) => `Received message ${i + 1}`),
    );
    const idle = consumers.filter((c) => c !== first && c !== next);
    for (const consumer of idle) {
      assert.deepEqual(received(consumer), [], "a waiting one reads nothing");
    }
  },
  NO_STREAMS,
  NO_CTL,
);

featureTest(
  "stream:super_stream_send routes by customer: each customer's invoices are in one partition, in order (read over AMQP 0-9-1); two stream:super_stream_receive share the 3 partitions, one active consumer each, and read every invoice once; one killed, the other takes its partitions over after their stored offsets",
  async () => {
    const superStream = uniqueName("invoices");
    const partitions = [0, 1, 2].map((i) => `${superStream}-${i}`);
    await using _gone = atExit(async () => {
      await deleteQueues(...partitions);
      await deleteExchanges(superStream);
    });
    const args = ["--super-stream", superStream];
    await using one = await startReady("stream:super_stream_receive", args, WAITING_INVOICES, {
      env: STREAM_ENV,
    });
    await using two = await startReady("stream:super_stream_receive", args, WAITING_INVOICES, {
      env: STREAM_ENV,
    });
    await eventually(
      "the broker lists two consumers per partition, one of them active",
      async () => {
        const view = await consumersOf(...partitions);
        return partitions.every((p) => {
          const ofPartition = view.filter((c) => c.stream === p);
          return ofPartition.length === 2 && ofPartition.filter((c) => c.active).length === 1;
        });
      },
      20_000,
    );

    const sent = await runTask("stream:super_stream_send", [
      ...args,
      "--count",
      "30",
      "--customers",
      "6",
    ], {
      env: STREAM_ENV,
    });
    assertExit(sent, 0);
    assert.ok(
      sent.stdout.includes(`Its partitions: ${partitions.join(", ")}`),
      sent.stdout.join("\n"),
    );

    // What the partitions hold, read over AMQP 0-9-1.
    const customerOf = (invoice: string) => invoice.match(/of (customer-\d+)$/)![1];
    const numberOf = (invoice: string) => Number(invoice.match(/^invoice (\d+) /)![1]);
    const held = new Map<string, string[]>();
    for (const partition of partitions) held.set(partition, await allOverAmqp(partition));
    assert.deepEqual(
      [...held.values()].flat().map(numberOf).sort((a, b) => a - b),
      Array.from({ length: 30 }, (_, i) => i + 1),
      "each invoice once",
    );
    const partitionOf = new Map<string, Set<string>>();
    for (const [partition, invoices] of held) {
      for (const invoice of invoices) {
        partitionOf.set(
          customerOf(invoice),
          (partitionOf.get(customerOf(invoice)) ?? new Set()).add(partition),
        );
      }
      for (const customer of new Set(invoices.map(customerOf))) {
        const numbers = invoices.filter((i) => customerOf(i) === customer).map(numberOf);
        assert.deepEqual(numbers, [...numbers].sort((a, b) => a - b), `${customer} in order`);
      }
    }
    assert.equal(partitionOf.size, 6);
    for (const [customer, inPartitions] of partitionOf) {
      assert.equal(inPartitions.size, 1, `${customer} in one partition: ${[...inPartitions]}`);
    }

    // What the two consumers read: every invoice once, each partition by one of them.
    await eventually(
      "the consumers have read the 30 invoices",
      () => Promise.resolve(received(one).length + received(two).length >= 30),
    );
    const readBy = (program: Program) =>
      new Map(
        partitions.map((p) => [
          p,
          received(program).filter((l) => l.startsWith(`${p}: `)).map((l) =>
            l.slice(p.length + 2).replace(/ \(offset \d+\)$/, "")
          ),
        ]),
      );
    const [byOne, byTwo] = [readBy(one), readBy(two)];
    for (const partition of partitions) {
      const readers = [byOne, byTwo].filter((by) => by.get(partition)!.length > 0);
      assert.equal(readers.length, 1, `${partition} is read by one consumer`);
      assert.deepEqual(
        readers[0].get(partition),
        held.get(partition),
        `${partition} read whole, in order`,
      );
    }
    assert.ok(
      [byOne, byTwo].every((by) => [...by.values()].some((lines) => lines.length > 0)),
      "both read",
    );
    assert.equal(received(one).length + received(two).length, 30);

    // The first one killed: the other takes its partitions over, each after its stored offset.
    const lastOffsets = new Map<string, bigint>(); // the last offset read in each partition
    for (const line of [...one.stdout, ...two.stdout]) {
      const [, partition, offset] = line.match(/^ \[x\] (\S+): .* \(offset (\d+)\)$/) ?? [];
      if (partition && BigInt(offset) > (lastOffsets.get(partition) ?? -1n)) {
        lastOffsets.set(partition, BigInt(offset));
      }
    }
    for (const [partition, offset] of lastOffsets) {
      await eventually(
        `the offset read last in ${partition} is stored`,
        async () => (await storedOffset(partition, "invoices-tutorial")) === offset,
      );
    }
    assertExit(await stopped(one, "SIGKILL"), KILLED);
    const before = received(two).length;
    assertExit(
      await runTask("stream:super_stream_send", [...args, "--count", "30"], { env: STREAM_ENV }),
      0,
    );
    await eventually(
      "the other one reads the 30 new invoices",
      () => Promise.resolve(received(two).length - before >= 30),
    );
    const after = received(two).slice(before);
    assert.deepEqual(
      after.map((line) => numberOf(line.replace(/^\S+: /, "").replace(/ \(offset \d+\)$/, "")))
        .sort((a, b) => a - b),
      Array.from({ length: 30 }, (_, i) => i + 1),
      "the new invoices, each once",
    );
    for (const line of after) {
      const [, partition, offset] = line.match(/^(\S+): .* \(offset (\d+)\)$/)!;
      assert.ok(
        BigInt(offset) > lastOffsets.get(partition)!,
        `${line}: after what was read before`,
      );
    }
  },
  NO_SUPER_STREAMS,
  NO_CTL,
);

featureTest(
  "stream:filtering_receive --region emea gets 4 chunks (40 messages) instead of 10 (100) and prints only the 34 emea orders; over AMQP 0-9-1, x-stream-filter gives the same 40 messages",
  async () => {
    await using queue = testQueue("stream-filtering-javascript");
    const args = ["--stream", queue.name];
    assertExit(await runTask("stream:filtering_send", args, { env: STREAM_ENV }), 0);

    // Over AMQP 0-9-1: "order 100", the last, is an emea order.
    const last = (message: AmqpMessage) => message.body === "order 100";
    const filtered = await readOverAmqp(queue.name, last, { "x-stream-filter": "emea" });
    const everything = await readOverAmqp(queue.name, last);
    const emea = (messages: AmqpMessage[]) =>
      messages.filter((m) => m.headers.region === "emea").map((m) => `Received ${m.body} (emea)`);
    assert.equal(everything.length, 100);
    assert.equal(filtered.length, 40, "the broker sends the 4 chunks that may hold emea");
    assert.equal(emea(filtered).length, 34);
    assert.deepEqual(emea(filtered), emea(everything));

    await using withFilter = await startReady(
      "stream:filtering_receive",
      args,
      waitingForOrders("emea", "broker"),
      { env: STREAM_ENV },
    );
    await using without = await startReady(
      "stream:filtering_receive",
      [...args, "--no-filter"],
      waitingForOrders("emea", "client"),
      {
        env: STREAM_ENV,
      },
    );
    await withFilter.waitFor(
      " [.] Chunk 4: 10 messages, 4 for emea; in all: 40 messages, 34 for emea",
    );
    await without.waitFor(
      " [.] Chunk 10: 10 messages, 4 for emea; in all: 100 messages, 34 for emea",
    );
    for (const program of [withFilter, without]) {
      assert.deepEqual(received(program), emea(everything));
    }
    assert.deepEqual(withFilter.stdout.filter((l) => l.startsWith(" [.] ")), [
      " [.] Chunk 1: 10 messages, 10 for emea; in all: 10 messages, 10 for emea",
      " [.] Chunk 2: 10 messages, 10 for emea; in all: 20 messages, 20 for emea",
      " [.] Chunk 3: 10 messages, 10 for emea; in all: 30 messages, 30 for emea",
      " [.] Chunk 4: 10 messages, 4 for emea; in all: 40 messages, 34 for emea",
    ]);
  },
  NO_FILTERING,
);

featureTest(
  "the tutorials refuse, in one sentence: a stream declared with other arguments, a super stream with other partitions, a stream port where nothing listens",
  async (t) => {
    await t.step("a stream declared with other arguments", async () => {
      await using queue = testQueue("stream-filtering-javascript");
      await withChannel((channel) =>
        channel.assertQueue(queue.name, {
          durable: true,
          arguments: { "x-queue-type": "stream", "x-max-age": "1D" },
        })
      );
      await assertOneLineError("stream:filtering_send", ["--stream", queue.name], {
        code: 1,
        message: new RegExp(
          `^The stream "${
            queue.name.replace(/\W/g, ".")
          }" already exists with other arguments than this program declares \\(without arguments\\); delete it with "rabbitmqctl delete_queue`,
        ),
      });
    });
    await t.step("a super stream with other partitions", async () => {
      const superStream = uniqueName("invoices");
      await using _gone = atExit(async () => {
        await deleteQueues(...[0, 1, 2].map((i) => `${superStream}-${i}`));
        await deleteExchanges(superStream);
      });
      const client = await rabbit.connect(streamOptions(BROKER_URL, PORT, "stream features test"));
      await client.createSuperStream({ streamName: superStream }, undefined, 3).finally(() =>
        client.close()
      );
      await assertOneLineError("stream:super_stream_receive", [
        "--super-stream",
        superStream,
        "--partitions",
        "2",
      ], {
        code: 1,
        message: literally(
          `The super stream "${superStream}" already exists with 3 partition(s) (${superStream}-0, ${superStream}-1, ${superStream}-2), but this program declares it with 2; delete it with "rabbitmq-streams delete_super_stream ${superStream}"`,
        ),
      });
    });
    await t.step("a stream port where nothing listens", async () => {
      const port = String(freePort());
      await Promise.all(TUTORIALS.map((task) =>
        assertOneLineError(task, ["--stream-port", port], {
          code: 1,
          message: new RegExp(
            `listens for streams on port ${PORT}, not ${port}: .* pass --stream-port ${PORT}`,
          ),
        })
      ));
    });
  },
  NO_FILTERING,
  NO_SUPER_STREAMS,
);

/** Each program, and the feature its sentence names on a broker too old for it. */
const FEATURES: Record<string, string> = {
  "stream:deduplication_send": "the stream client needs RabbitMQ 3.11",
  "stream:deduplication_receive": "the stream client needs RabbitMQ 3.11",
  "stream:single_active_consumer_send": "the stream client needs RabbitMQ 3.11",
  "stream:single_active_consumer_receive": "single active consumer on streams needs RabbitMQ 3.11",
  "stream:super_stream_send": "declaring a super stream from a client needs RabbitMQ 3.13",
  "stream:super_stream_receive": "declaring a super stream from a client needs RabbitMQ 3.13",
  "stream:filtering_send": "stream filtering needs RabbitMQ 3.13",
  "stream:filtering_receive": "stream filtering needs RabbitMQ 3.13",
};
const TUTORIALS = Object.keys(FEATURES);

test({
  name: testName(
    "each tutorial, against a broker too old for its feature, names the feature and the version that brought it, and exits 1",
    supportsStreams(VERSION)
      ? `the broker is RabbitMQ ${VERSION}, which has streams: this sentence needs one older than 3.11`
      : undefined,
  ),
  ignore: supportsStreams(VERSION),
  async fn() {
    await Promise.all(
      Object.entries(FEATURES).map(([task, feature]) =>
        assertOneLineError(task, [], {
          code: 1,
          message: new RegExp(
            `^The broker at "[^"]+" is RabbitMQ ${
              VERSION.replace(/\W/g, ".")
            }, but ${feature} or later; `,
          ),
        })
      ),
    );
  },
});
