/**
 * Tutorial 1 over AMQP 1.0, "Hello World!": the producer. Sends one message
 * (default 'Hello World!') to the queue "hello" and waits for the broker's
 * outcome: "accepted" means the queue has it.
 *
 * What AMQP 1.0 changes: the queue is declared over AMQP 1.0 itself, as a
 * request to RabbitMQ 4's management node (PUT /queues/hello); the message
 * goes on a sender link attached to the queue's address "/queues/hello";
 * every message gets an outcome (AMQP 0-9-1 needs a confirm channel for that).
 *
 * Run:   deno task amqp10:send         (and `deno task amqp10:receive`, or `deno task receive`)
 * Needs: RabbitMQ 4.0+; --allow-net, --allow-env (AMQP_URL), --allow-read (TLS files, if any)
 */
import rhea from "rhea";
import { Buffer } from "node:buffer";
import { cli } from "../../lib/cli.ts";
import { connectFirst } from "../../lib/connect.ts";
import { close, connect, openSender, publish } from "../../lib/amqp10/connection.ts";
import { expectAccepted } from "../../lib/amqp10/errors.ts";
import { openManagement, queueAddress } from "../../lib/amqp10/management.ts";

const { brokers, values, positionals } = cli("amqp10:send", {
  summary: "Send 'Hello World!' to the queue \"hello\" over AMQP 1.0 (tutorial 1, RabbitMQ 4)",
  args: "[message...]",
  options: { queue: "hello" },
});

const connection = await connectFirst(brokers, connect);

const queue = values.queue;
const msg = positionals.join(" ") || "Hello World!";

// Idempotent, as in AMQP 0-9-1: a durable quorum queue, declared like `deno task send` declares it.
const management = await openManagement(connection);
await management.declareQueue(queue, { type: "quorum" });

const address = queueAddress(queue); // "/queues/hello"
const sender = await openSender(connection, address);
// A data section: the bytes as they are, which AMQP 0-9-1 consumers get unchanged.
const outcome = await publish(sender, { body: rhea.message.data_section(Buffer.from(msg)) });
expectAccepted(outcome, address);
console.log(` [x] Sent '${msg}'`);

await close(connection);
