/**
 * JSON messages over a fanout exchange (a microservice publishing new
 * posts): sends one post {name, date, author} as UTF-8 JSON, with
 * content type "application/json", to the fanout exchange "reddit". Every
 * running `receive_posts` gets it.
 *
 * Run:   deno task emit_post --author "Ada" "My first post"   (with `deno task receive_posts` running)
 * Needs: --allow-net, --allow-env (AMQP_URL), --allow-read (TLS files, if any)
 */
import { Buffer } from "node:buffer";
import { parseCli } from "../lib/config.ts";
import { connect } from "../lib/connect.ts";

const { url, values, positionals } = parseCli({
  name: "emit_post",
  summary: 'Publish a post as JSON to the fanout exchange "reddit"',
  args: "[name...]",
  options: {
    author: { type: "string", default: "MicroJoe", description: "the post's author" },
    exchange: { type: "string", default: "reddit", description: "fanout exchange to publish to" },
  },
});
const EXCHANGE = values.exchange;
const POST = {
  name: positionals.join(" ") || "Hello from RabbitMQ",
  date: new Date().toISOString(), // ISO 8601, e.g. "2025-01-31T09:15:00.000Z"
  author: values.author,
};

const connection = await connect(url, { name: "emit_post" });
const channel = await connection.createChannel();

await channel.assertExchange(EXCHANGE, "fanout", { durable: false });
const body = JSON.stringify(POST);
// Buffer.from encodes the text as UTF-8 (JSON's encoding); the content type says how to read it.
channel.publish(EXCHANGE, "", Buffer.from(body, "utf8"), { contentType: "application/json" });
console.log(` [x] Sent ${body}`);

await channel.close();
await connection.close();
