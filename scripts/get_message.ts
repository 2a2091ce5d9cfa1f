/**
 * Basic get: fetches ONE message from a queue with basic.get (polling, no
 * consumer), prints it and acks it, or says the queue is empty. Handy to
 * peek at a queue from a script; for a steady flow a consumer is better.
 *
 * Run:   deno task get_message task_queue
 * Needs: --allow-net, --allow-env (AMQP_URL), --allow-read (TLS files, if any)
 */
import amqp from "amqplib";
import { cli } from "../lib/cli.ts";
import { connectFirst, socketOptions } from "../lib/connect.ts";
import { ProgramError } from "../lib/program_error.ts";

const { brokers, values, positionals } = cli("get_message", {
  summary: "Take one message from a queue with basic.get, print it and ack it",
  args: "[queue]",
  maxArgs: 1,
  options: {
    queue: { description: 'queue to take the message from (or as argument; default "hello")' },
  },
});
if (positionals[0] && values.queue && positionals[0] !== values.queue) {
  const message = `Two queues given, "${positionals[0]}" and --queue "${values.queue}"; give one`;
  throw new ProgramError(message, "usage");
}
const queue = positionals[0] ?? values.queue ?? "hello";
if (!queue.trim()) {
  throw new ProgramError(`Empty queue name: give one, e.g. "deno task get_message hello"`, "usage");
}

const connection = await connectFirst(brokers, (url) => amqp.connect(url, socketOptions(url)));
const channel = await connection.createChannel();

// Not declared: a missing queue is an error (NOT_FOUND), not something to create.
const msg = await channel.get(queue, { noAck: false });
if (msg) {
  const again = msg.fields.redelivered ? " (redelivered)" : "";
  console.log(` [x] Received '${msg.content.toString()}'${again}`);
  console.log(` [*] ${msg.fields.messageCount} more message(s) in "${queue}"`);
  channel.ack(msg);
} else {
  console.log(` [*] The queue "${queue}" is empty`);
}

await channel.close();
await connection.close();
