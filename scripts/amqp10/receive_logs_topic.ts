/**
 * Tutorial 5 over AMQP 1.0, topics: the subscriber. Binds a queue of its
 * own to the topic exchange "topic_logs" with each binding key given, and
 * prints the log messages whose routing key matches one: "*" stands for
 * exactly one word, "#" for zero or more words.
 *
 * What AMQP 1.0 changes: the bindings are management requests (POST
 * /bindings); the routing key arrives as the message annotation
 * "x-routing-key".
 *
 * Run:   deno task amqp10:receive_logs_topic "kern.*" "*.critical"   (and `deno task amqp10:emit_log_topic`)
 * Needs: RabbitMQ 4.0+; --allow-net, --allow-env (AMQP_URL), --allow-read (TLS files, if any)
 */
import { cli } from "../../lib/cli.ts";
import { checkRoutingKey } from "../../lib/routing.ts";
import { bodyText, connect, openReceiver } from "../../lib/amqp10/connection.ts";
import { generatedQueueName, openManagement, queueAddress } from "../../lib/amqp10/management.ts";
import { keepReceiving } from "../../lib/amqp10/receiver.ts";

const { brokers, values, positionals } = cli("amqp10:receive_logs_topic", {
  summary:
    'Print the log messages of "topic_logs" that match the binding keys, over AMQP 1.0 (tutorial 5, RabbitMQ 4)',
  args: "[binding_key]...",
  minArgs: 1,
  missingArgsCode: 1, // as the tutorial's own receive_logs_topic does
  options: { exchange: "topic_logs" },
  consumer: true,
});
const bindingKeys = positionals.map((key) => checkRoutingKey(key, "binding key"));

// Runs again, with the next broker of the list, whenever the connection drops.
await keepReceiving(brokers, async (url) => {
  const connection = await connect(url);

  const exchange = values.exchange;
  const management = await openManagement(connection);
  await management.declareExchange(exchange, { type: "topic", durable: false });
  const queue = generatedQueueName();
  await management.declareQueue(queue, { exclusive: true });
  // A message matching several binding keys still arrives once: it is one queue.
  for (const key of bindingKeys) await management.bind({ exchange, queue, key });

  console.log(" [*] Waiting for logs. To exit press CTRL+C");
  const receiver = await openReceiver(connection, queueAddress(queue), { credit_window: 100 });
  receiver.on("message", ({ message, delivery }) => {
    const key = message!.message_annotations?.["x-routing-key"];
    console.log(` [x] '${key}':'${bodyText(message!)}'`);
    delivery!.accept();
  });
  return connection;
});
