/**
 * Basic get: fetches ONE message from a queue with basic.get (polling, no
 * consumer), prints it and acks it, or says the queue is empty. Handy to
 * peek at a queue from a script; for a steady flow a consumer is better.
 *
 * Run:   deno task get_message task_queue
 * Needs: --allow-net, --allow-env (AMQP_URL), --allow-read (TLS files, if any)
 */
import { parseCli } from "../lib/config.ts";
import { connect } from "../lib/connect.ts";
import { fail } from "../lib/errors.ts";

const { url, values, positionals } = parseCli({
  name: "get_message",
  summary: "Take one message from a queue with basic.get, print it and ack it",
  args: "[queue]",
  maxArgs: 1,
  options: {
    queue: {
      type: "string",
      description: 'queue to take the message from (or as argument; default "hello")',
    },
  },
});
if (positionals[0] && values.queue && positionals[0] !== values.queue) {
  fail(`Two queues given, "${positionals[0]}" and --queue "${values.queue}"; give one`, 2);
}
const QUEUE = positionals[0] ?? values.queue ?? "hello";
if (!QUEUE.trim()) fail(`Empty queue name: give one, e.g. "deno task get_message hello"`, 2);

const connection = await connect(url, { name: "get_message" });
const channel = await connection.createChannel();

// Not declared: a missing queue is an error (NOT_FOUND), not something to create.
const msg = await channel.get(QUEUE, { noAck: false });
if (msg) {
  const again = msg.fields.redelivered ? " (redelivered)" : "";
  console.log(` [x] Received '${msg.content.toString()}'${again}`);
  console.log(` [*] ${msg.fields.messageCount} more message(s) in "${QUEUE}"`);
  channel.ack(msg);
} else {
  console.log(` [*] The queue "${QUEUE}" is empty`);
}

await channel.close();
await connection.close();
