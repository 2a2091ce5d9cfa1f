/**
 * JSON messages over a fanout exchange (a microservice publishing new
 * posts): sends a post {name, date, author} as UTF-8 JSON, with content
 * type "application/json", a message id and a timestamp, to the fanout
 * exchange "reddit". Every running `receive_posts` gets it, and the
 * `archive` keeps it. `--count N` sends N posts (named "NAME 1" to
 * "NAME N"), `--rate R` R of them a second; Ctrl+C stops it, saying how
 * many it sent.
 *
 * Run:   deno task emit_post --author "Ada" "My first post"   (with `deno task receive_posts` running)
 *        deno task emit_post --count 600 --rate 4 "Post"      (a steady flow, for the monitor)
 * Needs: --allow-net, --allow-env (AMQP_URL), --allow-read (TLS files, if any)
 */
import amqp from "amqplib";
import { Buffer } from "node:buffer";
import { cli, wholeNumber } from "../lib/cli.ts";
import { connectFirst, socketOptions } from "../lib/connect.ts";
import { closeOnSignal } from "../lib/shutdown.ts";

const { brokers, values, positionals } = cli("emit_post", {
  summary: 'Publish a post, or --count of them, as JSON to the fanout exchange "reddit"',
  args: "[name...]",
  options: {
    author: { default: "MicroJoe", description: "the post's author" },
    exchange: "reddit",
    count: { default: "1", description: 'how many posts ("NAME 1" to "NAME N" when more than 1)' },
    rate: { description: "posts per second (default: as fast as the broker takes them)" },
  },
});
const COUNT = wholeNumber("count", values.count, 1);
const RATE = values.rate === undefined ? undefined : wholeNumber("rate", values.rate, 1);
const NAME = positionals.join(" ") || "Hello from RabbitMQ";

const connection = await connectFirst(brokers, (url) => amqp.connect(url, socketOptions(url)));
const channel = await connection.createChannel();

let sent = 0;
// Ctrl+C: the posts sent so far are on their way before the connection closes; say how many.
closeOnSignal({
  async close() {
    await connection.close();
    console.log(` [*] Stopped: sent ${sent} of ${COUNT} post(s)`);
  },
});

const exchange = values.exchange;
await channel.assertExchange(exchange, "fanout", { durable: false });

const start = performance.now();
for (let i = 1; i <= COUNT; i++) {
  // On a schedule (post i at (i - 1) / RATE seconds), so that the rate holds however long a
  // publish takes.
  if (RATE !== undefined) await sleepUntil(start + ((i - 1) / RATE) * 1000);
  const now = new Date();
  const post = {
    name: COUNT > 1 ? `${NAME} ${i}` : NAME,
    date: now.toISOString(), // ISO 8601, e.g. "2025-01-31T09:15:00.000Z"
    author: values.author,
  };
  const body = JSON.stringify(post);
  // Buffer.from encodes the text as UTF-8 (JSON's encoding); the content type says how to read it.
  // The message id and the timestamp (AMQP's is in whole seconds) let a store keep each post once.
  const written = channel.publish(exchange, "", Buffer.from(body, "utf8"), {
    contentType: "application/json",
    messageId: crypto.randomUUID(),
    timestamp: Math.floor(now.getTime() / 1000),
  });
  sent++;
  console.log(` [x] Sent ${body}`);
  // A full write buffer: wait until the broker has taken what is in it.
  if (!written) await new Promise((resolve) => channel.once("drain", resolve));
}
if (COUNT > 1) console.log(` [*] Sent ${sent} post(s)`);

await channel.close();
await connection.close();

function sleepUntil(time: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, time - performance.now())));
}
