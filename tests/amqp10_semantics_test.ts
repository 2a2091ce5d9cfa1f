/**
 * What docs/amqp10.md claims about AMQP 1.0 on RabbitMQ 4.x, shown on the
 * broker with lib/amqp10 itself (no program in between): the outcomes a
 * publisher gets, what release, reject and modify do to a message, credit,
 * and what converts between AMQP 1.0 and AMQP 0-9-1 on one broker and what
 * does not. Skipped, with the reason, on RabbitMQ 3.x.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import rhea, { type Delivery, type Message } from "rhea";
import {
  bodyText,
  type Connection,
  openReceiver,
  openSender,
  publish,
  type Receiver,
} from "../lib/amqp10/connection.ts";
import { exchangeAddress, type Management, queueAddress } from "../lib/amqp10/management.ts";
import { pollUntil } from "../tools/lib/poll.ts";
import { atExit, deleteExchanges, deleteQueues, uniqueName, withChannel } from "./_helpers.ts";
import { amqp10, amqp10Test } from "./peers/amqp10/support.ts";

const data = (text: string) => rhea.message.data_section(Buffer.from(text));

/** A receiver with no credit, and a way to take the next message: one credit, then wait. */
async function taker(connection: Connection, queue: string) {
  const receiver = await openReceiver(connection, queueAddress(queue));
  const arrived: { message: Message; delivery: Delivery }[] = [];
  let wake = () => {};
  receiver.on("message", ({ message, delivery }) => {
    arrived.push({ message: message!, delivery: delivery! });
    wake();
  });
  return {
    receiver,
    async next(): Promise<{ message: Message; delivery: Delivery }> {
      receiver.add_credit(1);
      while (arrived.length === 0) await new Promise<void>((resolve) => wake = resolve);
      return arrived.shift()!;
    },
    arrived,
  };
}

/** Waits until `receiver` has been offered every credit it was granted, and no message came. */
async function nothingArrives(receiver: Receiver, arrived: unknown[]) {
  receiver.drain_credit(); // "send what you have for my credit, or say there is none"
  await new Promise((resolve) => receiver.once("receiver_drained", resolve));
  assert.deepEqual(arrived, []);
}

/** Declares `queue` a quorum queue and sends it `texts`, each accepted; resolves with the sender. */
async function filled(
  connection: Connection,
  management: Management,
  queue: string,
  texts: string[] = [],
) {
  await management.declareQueue(queue, { type: "quorum" });
  const sender = await openSender(connection, queueAddress(queue));
  for (const text of texts) assert.equal(await publish(sender, { body: data(text) }), "accepted");
  return sender;
}

async function depth(management: Management, queue: string) {
  return (await management.queueInfo(queue)).messageCount;
}

amqp10Test(
  "outcomes: accepted by a queue, released when unroutable, rejected by a full reject-publish queue",
  async () => {
    const queue = uniqueName("outcomes");
    const bound = uniqueName("outcomes");
    const exchange = uniqueName("outcomes");
    await using _cleanup = atExit(async () => {
      await deleteQueues(queue, bound);
      await deleteExchanges(exchange);
    });
    await using amqp = await amqp10();
    const { connection, management } = amqp;
    await management.declareQueue(queue, {
      type: "classic",
      arguments: { "x-max-length": 1, "x-overflow": "reject-publish" },
    });
    const toQueue = await openSender(connection, queueAddress(queue));
    assert.equal(await publish(toQueue, { body: data("fits") }), "accepted");
    assert.equal(await publish(toQueue, { body: data("does not fit") }), "rejected");
    assert.equal(await depth(management, queue), 1);

    // An exchange with no queue bound: unroutable, and AMQP 1.0 says so to the publisher.
    await management.declareExchange(exchange, { type: "fanout", durable: false });
    const toExchange = await openSender(connection, exchangeAddress(exchange));
    assert.equal(await publish(toExchange, { body: data("nobody") }), "released");
    await management.declareQueue(bound, { type: "classic" });
    await management.bind({ exchange, queue: bound, key: "" });
    assert.equal(await publish(toExchange, { body: data("somebody") }), "accepted");
  },
);

amqp10Test(
  "outcomes: a quorum queue with reject-publish rejects once it is over its limit (4.3: max 2 takes 3)",
  async () => {
    const queue = uniqueName("outcomes");
    await using _cleanup = atExit(() => deleteQueues(queue));
    await using amqp = await amqp10();
    const { connection, management } = amqp;
    await management.declareQueue(queue, {
      type: "quorum",
      arguments: { "x-max-length": 2, "x-overflow": "reject-publish" },
    });
    const sender = await openSender(connection, queueAddress(queue));
    const outcomes = [];
    for (let n = 1; n <= 4; n++) outcomes.push(await publish(sender, { body: data(`${n}`) }));
    // A classic queue rejects the message that does not fit; a quorum queue the first one
    // published once it is over its limit.
    assert.deepEqual(outcomes, ["accepted", "accepted", "accepted", "rejected"]);
    assert.equal(await depth(management, queue), 3);
  },
);

amqp10Test(
  "credit: no credit, no message; one credit, one message, however many wait",
  async () => {
    const queue = uniqueName("credit");
    await using _cleanup = atExit(() => deleteQueues(queue));
    await using amqp = await amqp10();
    const { connection, management } = amqp;
    await filled(connection, management, queue, ["task 1", "task 2", "task 3"]);
    const { receiver, next, arrived } = await taker(connection, queue);
    await nothingArrives(receiver, arrived);
    const first = await next();
    assert.equal(bodyText(first.message), "task 1");
    assert.deepEqual(arrived, [], "one credit brought one message");
    first.delivery.accept();
    assert.equal(bodyText((await next()).message), "task 2");
  },
);

amqp10Test(
  "settlement: release requeues as if never delivered; modify counts a failed delivery and adds annotations",
  async () => {
    const queue = uniqueName("settle");
    await using _cleanup = atExit(() => deleteQueues(queue));
    await using amqp = await amqp10();
    const { connection, management } = amqp;
    await filled(connection, management, queue, ["the task"]);
    const { next } = await taker(connection, queue);

    const first = await next();
    assert.equal(first.message.first_acquirer, true);
    assert.equal(first.message.delivery_count ?? 0, 0);
    first.delivery.release();

    const released = await next();
    assert.equal(bodyText(released.message), "the task");
    assert.equal(released.message.first_acquirer, false, "0-9-1 says redelivered");
    assert.equal(released.message.delivery_count ?? 0, 0, "a release is no failed delivery");
    released.delivery.modified({
      delivery_failed: true,
      undeliverable_here: false,
      message_annotations: { "x-opt-note": "tried once" },
    });

    const modified = await next();
    assert.equal(modified.message.delivery_count, 1, "a failed delivery counts");
    assert.equal(modified.message.message_annotations?.["x-opt-note"], "tried once");
    assert.equal(modified.message.message_annotations?.["x-delivery-count"], 1);
    modified.delivery.release();

    // An AMQP 0-9-1 consumer sees the same history: redelivered, and the quorum queue's count.
    await pollUntil(
      "the released message is back",
      async () => await depth(management, queue) === 1,
    );
    const msg = await withChannel((channel) => channel.get(queue, { noAck: true }));
    assert.ok(msg);
    assert.equal(msg.fields.redelivered, true);
    assert.equal(msg.properties.headers?.["x-delivery-count"], 1);
  },
);

amqp10Test(
  "settlement: reject and modify(undeliverable-here) dead-letter the message (reason 'rejected'), with its annotations",
  async () => {
    const queue = uniqueName("settle");
    const dlx = uniqueName("dlx");
    const dlq = uniqueName("dlq");
    await using _cleanup = atExit(async () => {
      await deleteQueues(queue, dlq);
      await deleteExchanges(dlx);
    });
    await using amqp = await amqp10();
    const { connection, management } = amqp;
    await management.declareExchange(dlx, { type: "fanout", durable: false });
    await management.declareQueue(dlq, { type: "quorum" });
    await management.bind({ exchange: dlx, queue: dlq, key: "" });
    await management.declareQueue(queue, {
      type: "quorum",
      arguments: { "x-dead-letter-exchange": dlx },
    });
    const sender = await openSender(connection, queueAddress(queue));
    for (const text of ["rejected", "undeliverable"]) {
      await publish(sender, { body: data(text) });
    }
    const { next } = await taker(connection, queue);
    (await next()).delivery.reject({ condition: "amqp:internal-error", description: "cannot" });
    (await next()).delivery.modified({
      delivery_failed: true,
      undeliverable_here: true,
      message_annotations: { "x-opt-why": "malformed" },
    });

    const dead = await taker(connection, dlq);
    const one = await dead.next();
    const two = await dead.next();
    assert.deepEqual([bodyText(one.message), bodyText(two.message)], [
      "rejected",
      "undeliverable",
    ]);
    for (const { message } of [one, two]) {
      assert.equal(message.message_annotations?.["x-first-death-reason"], "rejected");
      assert.equal(message.message_annotations?.["x-first-death-queue"], queue);
    }
    assert.equal(two.message.message_annotations?.["x-opt-why"], "malformed");
    assert.equal(await depth(management, queue), 0);
  },
);

amqp10Test(
  "conversions, AMQP 1.0 to 0-9-1: durable, properties, application properties and x- annotations; not the subject",
  async () => {
    const queue = uniqueName("convert");
    await using _cleanup = atExit(() => deleteQueues(queue));
    {
      await using amqp = await amqp10();
      const { connection, management } = amqp;
      const sender = await filled(connection, management, queue);
      await publish(sender, {
        durable: true,
        ttl: 60_000,
        message_id: "id-1",
        correlation_id: "corr-1",
        reply_to: "/queues/replies",
        subject: "lost in conversion",
        content_type: "text/plain",
        creation_time: new Date(1_700_000_000_000),
        application_properties: { color: "red", n: 5 },
        message_annotations: { "x-basic-type": "error", "x-opt-trace": "abc" },
        body: data("converted"),
      });
      await publish(sender, { body: data("transient") });
      await publish(sender, { body: "an AMQP value" }); // rhea's default body section
    }
    const [converted, transient, value] = await withChannel(async (channel) => [
      await channel.get(queue, { noAck: true }),
      await channel.get(queue, { noAck: true }),
      await channel.get(queue, { noAck: true }),
    ]);
    assert.ok(converted && transient && value);
    assert.equal(converted.content.toString(), "converted");
    const p = converted.properties;
    assert.equal(p.deliveryMode, 2);
    assert.equal(p.expiration, "60000");
    assert.equal(p.messageId, "id-1");
    assert.equal(p.correlationId, "corr-1");
    assert.equal(p.replyTo, "replies", "a v2 queue address becomes the queue name");
    assert.equal(p.contentType, "text/plain");
    assert.equal(p.timestamp, 1_700_000_000, "milliseconds become seconds");
    assert.equal(p.type, "error", "the x-basic-type annotation is 0-9-1's message type");
    assert.deepEqual(p.headers, { color: "red", n: 5, "x-opt-trace": "abc" });
    assert.ok(
      !JSON.stringify(p).includes("lost in conversion"),
      "the subject has no 0-9-1 field",
    );
    assert.equal(transient.properties.deliveryMode, undefined, "not durable: transient");
    // A body that is an AMQP value, not a data section, arrives AMQP-encoded, typed "amqp-1.0".
    assert.equal(value.properties.type, "amqp-1.0");
    assert.notEqual(value.content.toString(), "an AMQP value");
  },
);

amqp10Test(
  "conversions, AMQP 0-9-1 to 1.0: persistent, headers, type, reply-to; nested tables do not convert",
  async () => {
    const queue = uniqueName("convert");
    await using _cleanup = atExit(() => deleteQueues(queue));
    await using amqp = await amqp10();
    const { connection, management } = amqp;
    await management.declareQueue(queue, { type: "quorum" });
    await withChannel((channel) => {
      channel.sendToQueue(queue, Buffer.from("from 0-9-1"), {
        persistent: true,
        type: "error",
        replyTo: "amq.gen-reply",
        correlationId: "corr-2",
        messageId: "id-2",
        contentType: "text/plain",
        headers: { color: "blue", "x-retries": 1, nested: { a: 1 } },
      });
      channel.sendToQueue(queue, Buffer.from("transient"));
      return Promise.resolve(); // closing the channel sends them
    });
    const { next } = await taker(connection, queue);
    const { message, delivery } = await next();
    delivery.accept();
    assert.equal(bodyText(message), "from 0-9-1");
    assert.equal(message.durable, true);
    assert.equal(
      message.reply_to,
      "/queues/amq.gen-reply",
      "a queue name becomes a v2 address",
    );
    assert.equal(message.correlation_id, "corr-2");
    assert.equal(message.message_id, "id-2");
    assert.equal(message.content_type, "text/plain");
    assert.deepEqual(message.application_properties, { color: "blue" }, "no nested table");
    const annotations = message.message_annotations!;
    assert.equal(annotations["x-basic-type"], "error");
    assert.equal(annotations["x-retries"], 1);
    assert.equal(annotations["x-routing-key"], queue);
    assert.equal(annotations["x-exchange"], "");
    const second = await next();
    second.delivery.accept();
    assert.equal(second.message.durable ?? false, false);
  },
);

amqp10Test(
  "rhea 3.0.5 caveat: two deliveries settled in one tick with different outcomes go out as one disposition, with the first's",
  async () => {
    const queue = uniqueName("settle");
    await using _cleanup = atExit(() => deleteQueues(queue));
    await using amqp = await amqp10();
    const { connection, management } = amqp;
    await filled(connection, management, queue, ["one", "two"]);
    const receiver = await openReceiver(connection, queueAddress(queue));
    const arrived: Delivery[] = [];
    receiver.on("message", ({ delivery }) => arrived.push(delivery!));
    receiver.add_credit(2);
    await pollUntil("both arrived", () => arrived.length === 2);
    arrived[0].release(); // back to the queue...
    arrived[1].accept(); // ...and done: but rhea writes "released" for both
    await pollUntil("both are back", async () => await depth(management, queue) === 2);
    // Settled apart (a tick between, as the programs do: one delivery at a time), each counts.
    const again: Delivery[] = [];
    receiver.on("message", ({ delivery }) => again.push(delivery!));
    receiver.add_credit(2);
    await pollUntil("both arrived again", () => again.length === 2);
    again[0].release();
    await new Promise((resolve) => setTimeout(resolve, 0));
    again[1].accept();
    await pollUntil("one is back", async () => await depth(management, queue) === 1);
  },
);

amqp10Test(
  "pre-settled (0-9-1's noAck): a receiver with snd-settle-mode settled takes messages without settling them",
  async () => {
    const queue = uniqueName("presettled");
    await using _cleanup = atExit(() => deleteQueues(queue));
    await using amqp = await amqp10();
    const { connection, management } = amqp;
    await filled(connection, management, queue, ["a", "b"]);
    const receiver = await openReceiver(connection, queueAddress(queue), {
      snd_settle_mode: 1,
      credit_window: 10,
    });
    const bodies: string[] = [];
    receiver.on("message", ({ message, delivery }) => {
      assert.ok(delivery!.remote_settled, "the broker sent it settled");
      bodies.push(bodyText(message!));
    });
    await pollUntil("both arrived", () => bodies.length === 2);
    assert.deepEqual(bodies, ["a", "b"]);
    assert.equal(await depth(management, queue), 0, "gone from the queue, nothing settled");
  },
);
