/**
 * Stream tutorial 5, super streams: the consumer. Start two. Each makes
 * sure the super stream "invoices" exists (3 partitions, as the producer
 * declares it) and subscribes to every partition of it, under the
 * consumer reference "invoices-tutorial" with single active consumer on,
 * telling the broker that the partitions belong to that super stream: the
 * broker then makes one consumer active per partition and spreads the
 * partitions among the consumers (with 3 partitions and 2 consumers, 2 and
 * 1), so that they read in parallel, and the invoices of a customer, all in
 * one partition, are read by one consumer, in order. Each stores its offset
 * in a partition after each message: when one stops, the other takes its
 * partitions over from there.
 *
 * Run:   deno task stream:super_stream_receive   (in two terminals, with `deno task stream:super_stream_send`)
 * Needs: --allow-net, --allow-env (AMQP_URL, RABBITMQ_STREAM_PORT), --allow-read (TLS files, if any)
 */
import rabbit from "rabbitmq-stream-js-client";
import { cli, wholeNumber } from "../../lib/cli.ts";
import { closeOnSignal } from "../../lib/shutdown.ts";
import {
  connectStream,
  givenStreamPort,
  STREAM_PORT_OPTION,
  streamClosed,
  SUPER_STREAMS,
} from "../../lib/stream.ts";

const { brokers, values } = cli("stream:super_stream_receive", {
  summary:
    'Read the partitions of the super stream "invoices" that the broker gives this consumer (stream tutorial 5)',
  options: {
    "super-stream": { default: "invoices", description: "super stream name" },
    partitions: {
      default: "3",
      description: "how many partitions, if it creates the super stream",
    },
    "stream-port": STREAM_PORT_OPTION,
  },
});
const partitionCount = wholeNumber("partitions", values.partitions, 1);
const port = givenStreamPort(values["stream-port"]); // undefined: the broker's own stream port

console.log("Connecting...");
const client = await connectStream(
  brokers,
  port,
  (options) => rabbit.connect(options),
  SUPER_STREAMS,
);
closeOnSignal(client);

const superStream = values["super-stream"];
console.log(`Making sure the super stream "${superStream}" exists...`);
// Declared here too, the same way: whichever program starts first creates it.
await client.createSuperStream({ streamName: superStream }, undefined, partitionCount);
// Its partitions are ordinary streams: one consumer for each.
const partitions = await client.queryPartitions({ superStream });
console.log(`Its partitions: ${partitions.join(", ")}`);

const consumerRef = "invoices-tutorial";
console.log(" [*] Waiting for invoices. To exit press CTRL+C");
for (const partition of partitions) {
  await client.declareConsumer({
    stream: partition,
    consumerRef,
    singleActive: true,
    offset: rabbit.Offset.first(), // replaced by what consumerUpdateListener returns
    // Called when the broker gives this partition to this consumer: it reads on after the offset
    // stored last (and when the broker takes the partition away, which ignores the offset).
    consumerUpdateListener: (reference, stream) => client.offsetAfterStored(reference, stream),
    connectionClosedListener: () => streamClosed(partition),
  }, async (message, consumer) => {
    console.log(` [x] ${partition}: ${message.content.toString()} (offset ${message.offset})`);
    await consumer.storeOffset(message.offset!);
  }, superStream); // the partition's super stream: the broker spreads the partitions
}
