/**
 * Tutorial 1 over AMQP 1.0, "Hello World!": the consumer. Prints every
 * message that arrives on the queue "hello" until you press Ctrl+C, and
 * accepts each one, as the official AMQP 1.0 tutorials do.
 *
 * What AMQP 1.0 changes: consuming is a receiver link attached to
 * "/queues/hello"; the broker sends only as many messages as the receiver
 * grants credit for (rhea tops it up to 100 here); accepting a message
 * settles it and the broker deletes it (AMQP 0-9-1's ack; this program's
 * 0-9-1 sibling uses noAck instead).
 *
 * Run:   deno task amqp10:receive      (and `deno task amqp10:send`, or `deno task send`)
 * Needs: RabbitMQ 4.0+; --allow-net, --allow-env (AMQP_URL), --allow-read (TLS files, if any)
 */
import { cli } from "../../lib/cli.ts";
import { bodyText, connect, openReceiver } from "../../lib/amqp10/connection.ts";
import { openManagement, queueAddress } from "../../lib/amqp10/management.ts";
import { keepReceiving } from "../../lib/amqp10/receiver.ts";

const { brokers, values } = cli("amqp10:receive", {
  summary: 'Print the messages of the queue "hello" over AMQP 1.0 (tutorial 1, RabbitMQ 4)',
  options: { queue: "hello" },
  consumer: true,
});

// Runs again, with the next broker of the list, whenever the connection drops.
await keepReceiving(brokers, async (url) => {
  const connection = await connect(url);

  const queue = values.queue;
  // Declared here too, the same way: whichever program starts first creates the queue.
  const management = await openManagement(connection);
  await management.declareQueue(queue, { type: "quorum" });

  console.log(" [*] Waiting for messages. To exit press CTRL+C");
  const receiver = await openReceiver(connection, queueAddress(queue), { credit_window: 100 });
  receiver.on("message", ({ message, delivery }) => {
    console.log(` [x] Received '${bodyText(message!)}'`);
    delivery!.accept();
  });
  return connection;
});
