/**
 * Tutorial 3 over AMQP 1.0, publish/subscribe: the subscriber. Binds a
 * fresh queue of its own (exclusive: deleted when this program stops) to
 * the fanout exchange "logs" and prints every log message sent from now on.
 * Start two: both print every message.
 *
 * What AMQP 1.0 changes: there are no server-named queues; the program
 * makes up the name ("client.gen-…", as the official AMQP 1.0 clients do),
 * declares the queue and binds it through the management node (PUT
 * /queues/NAME, POST /bindings), then attaches a receiver to it.
 *
 * Run:   deno task amqp10:receive_logs     (and `deno task amqp10:emit_log`, or `deno task emit_log`)
 * Needs: RabbitMQ 4.0+; --allow-net, --allow-env (AMQP_URL), --allow-read (TLS files, if any)
 */
import { cli } from "../../lib/cli.ts";
import { bodyText, connect, openReceiver } from "../../lib/amqp10/connection.ts";
import { generatedQueueName, openManagement, queueAddress } from "../../lib/amqp10/management.ts";
import { keepReceiving } from "../../lib/amqp10/receiver.ts";

const { brokers, values } = cli("amqp10:receive_logs", {
  summary:
    'Print every log message sent to the fanout exchange "logs" from now on, over AMQP 1.0 (tutorial 3, RabbitMQ 4)',
  options: { exchange: "logs" },
  consumer: true,
});

// Runs again, with the next broker of the list, whenever the connection drops: a new
// queue, bound again.
await keepReceiving(brokers, async (url) => {
  const connection = await connect(url);

  const exchange = values.exchange;
  const management = await openManagement(connection);
  await management.declareExchange(exchange, { type: "fanout", durable: false });
  const queue = generatedQueueName(); // e.g. "client.gen-1c9c2d1e-…"
  await management.declareQueue(queue, { exclusive: true });
  await management.bind({ exchange, queue, key: "" });

  console.log(" [*] Waiting for logs. To exit press CTRL+C");
  const receiver = await openReceiver(connection, queueAddress(queue), { credit_window: 100 });
  receiver.on("message", ({ message, delivery }) => {
    console.log(` [x] ${bodyText(message!)}`);
    delivery!.accept();
  });
  return connection;
});
