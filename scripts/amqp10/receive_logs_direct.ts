/**
 * Tutorial 4 over AMQP 1.0, routing: the subscriber. Binds a queue of its
 * own to the direct exchange "direct_logs" once per severity given, and
 * prints the log messages sent with one of those severities.
 *
 * What AMQP 1.0 changes: each binding is a management request (POST
 * /bindings); the routing key a message was published with arrives as its
 * message annotation "x-routing-key".
 *
 * Run:   deno task amqp10:receive_logs_direct warning error   (and `deno task amqp10:emit_log_direct error "Oops"`)
 * Needs: RabbitMQ 4.0+; --allow-net, --allow-env (AMQP_URL), --allow-read (TLS files, if any)
 */
import { cli } from "../../lib/cli.ts";
import { checkRoutingKey } from "../../lib/routing.ts";
import { bodyText, connect, openReceiver } from "../../lib/amqp10/connection.ts";
import { generatedQueueName, openManagement, queueAddress } from "../../lib/amqp10/management.ts";
import { keepReceiving } from "../../lib/amqp10/receiver.ts";

const { brokers, values, positionals } = cli("amqp10:receive_logs_direct", {
  summary:
    'Print the log messages of the given severities from "direct_logs" over AMQP 1.0 (tutorial 4, RabbitMQ 4)',
  args: "[info] [warning] [error]",
  minArgs: 1,
  missingArgsCode: 1, // as the tutorial's own receive_logs_direct does
  options: { exchange: "direct_logs" },
  consumer: true,
});
const severities = positionals.map((severity) => checkRoutingKey(severity, "severity"));

// Runs again, with the next broker of the list, whenever the connection drops.
await keepReceiving(brokers, async (url) => {
  const connection = await connect(url);

  const exchange = values.exchange;
  const management = await openManagement(connection);
  await management.declareExchange(exchange, { type: "direct", durable: false });
  const queue = generatedQueueName();
  await management.declareQueue(queue, { exclusive: true });
  // One binding per severity: a message whose routing key equals one of them lands in the queue.
  for (const key of severities) await management.bind({ exchange, queue, key });

  console.log(" [*] Waiting for logs. To exit press CTRL+C");
  const receiver = await openReceiver(connection, queueAddress(queue), { credit_window: 100 });
  receiver.on("message", ({ message, delivery }) => {
    const key = message!.message_annotations?.["x-routing-key"];
    console.log(` [x] '${key}':'${bodyText(message!)}'`);
    delivery!.accept();
  });
  return connection;
});
