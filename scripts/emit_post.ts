/**
 * JSON messages over a fanout exchange (a microservice publishing new
 * posts): sends one post {name, date, author} as UTF-8 JSON, with
 * content type "application/json", a message id and a timestamp, to the
 * fanout exchange "reddit". Every running `receive_posts` gets it, and the
 * `archive` keeps it.
 *
 * Run:   deno task emit_post --author "Ada" "My first post"   (with `deno task receive_posts` running)
 * Needs: --allow-net, --allow-env (AMQP_URL), --allow-read (TLS files, if any)
 */
import amqp from "amqplib";
import { Buffer } from "node:buffer";
import { cli } from "../lib/cli.ts";
import { connectFirst, socketOptions } from "../lib/connect.ts";

const { brokers, values, positionals } = cli("emit_post", {
  summary: 'Publish a post as JSON to the fanout exchange "reddit"',
  args: "[name...]",
  options: {
    author: { default: "MicroJoe", description: "the post's author" },
    exchange: "reddit",
  },
});

const connection = await connectFirst(brokers, (url) => amqp.connect(url, socketOptions(url)));
const channel = await connection.createChannel();

const exchange = values.exchange;
const now = new Date();
const post = {
  name: positionals.join(" ") || "Hello from RabbitMQ",
  date: now.toISOString(), // ISO 8601, e.g. "2025-01-31T09:15:00.000Z"
  author: values.author,
};

await channel.assertExchange(exchange, "fanout", { durable: false });
const body = JSON.stringify(post);
// Buffer.from encodes the text as UTF-8 (JSON's encoding); the content type says how to read it.
// The message id and the timestamp (AMQP's is in whole seconds) let a store keep each post once.
channel.publish(exchange, "", Buffer.from(body, "utf8"), {
  contentType: "application/json",
  messageId: crypto.randomUUID(),
  timestamp: Math.floor(now.getTime() / 1000),
});
console.log(` [x] Sent ${body}`);

await channel.close();
await connection.close();
