/**
 * JSON messages over a fanout exchange (a microservice reading new posts):
 * binds a queue of its own to the fanout exchange "reddit", parses each
 * message as JSON {name, date, author}, turns the date into a Date, and
 * prints the post. A message that is not such a post is reported on stderr
 * and skipped; the program keeps running.
 *
 * Run:   deno task receive_posts        (and `deno task emit_post` in another terminal)
 * Needs: --allow-net, --allow-env (AMQP_URL), --allow-read (TLS files, if any)
 */
import amqp, { type ConsumeMessage } from "amqplib";
import { cli } from "../lib/cli.ts";
import { socketOptions } from "../lib/connect.ts";
import { keepConsuming, queueDeleted } from "../lib/consumer.ts";

const { brokers, values } = cli("receive_posts", {
  summary: 'Print the JSON posts sent to the fanout exchange "reddit"',
  options: { exchange: "reddit" },
  consumer: true,
});
// A date such as 2025-01-31, 2025-01-31T09:15:00.000Z or Python's 2025-01-31 09:15:00.123456.
const ISO_8601 = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

interface Post {
  name: string;
  date: Date;
  author: string;
}

/** The post in `msg`, or an Error saying why it is not one. */
function parsePost(msg: ConsumeMessage): Post | Error {
  const { contentType } = msg.properties;
  // No content type: read as JSON anyway, as publishers that do not set one intend.
  if (contentType && contentType !== "application/json") {
    return new Error(`its content type is "${contentType}", not "application/json"`);
  }
  const text = msg.content.toString("utf8");
  let data;
  try {
    data = JSON.parse(text);
  } catch {
    return new Error(`it is not valid JSON: ${JSON.stringify(text.slice(0, 80))}`);
  }
  const date = new Date(data?.date);
  if (typeof data?.date !== "string" || !ISO_8601.test(data.date) || isNaN(date.getTime())) {
    return new Error(`its date ${JSON.stringify(data?.date)} is not an ISO 8601 date`);
  }
  return { name: String(data.name), date, author: String(data.author) };
}

// Runs again, with the next broker of the list, whenever the connection drops.
await keepConsuming(brokers, async (url) => {
  const connection = await amqp.connect(url, socketOptions(url));
  const channel = await connection.createChannel();

  const exchange = values.exchange;
  await channel.assertExchange(exchange, "fanout", { durable: false });
  const { queue } = await channel.assertQueue("", { exclusive: true });
  await channel.bindQueue(queue, exchange, "");

  console.log(" [*] Waiting for posts. To exit press CTRL+C");
  await channel.consume(queue, (msg) => {
    if (!msg) return queueDeleted(queue); // the queue was deleted while we consume
    const post = parsePost(msg);
    if (post instanceof Error) {
      console.error(`Skipped a message from "${exchange}": ${post.message}`);
    } else {
      console.log(` [x] Received ${Deno.inspect(post, { breakLength: Infinity })}`);
    }
  }, { noAck: true });
  return connection;
});
