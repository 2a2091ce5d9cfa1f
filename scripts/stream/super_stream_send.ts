/**
 * Stream tutorial 5, super streams: the producer. Makes sure the super
 * stream "invoices" exists with 3 partitions (the streams "invoices-0",
 * "invoices-1" and "invoices-2", bound to the exchange "invoices"), then
 * sends 20 invoices for 5 customers through a super stream publisher, which
 * routes each by its customer: the client hashes the routing key to pick a
 * partition, so all the invoices of one customer go to one partition, in
 * the order sent.
 *
 * Run:   deno task stream:super_stream_send   (and two `deno task stream:super_stream_receive`)
 * Needs: --allow-net, --allow-env (AMQP_URL, RABBITMQ_STREAM_PORT), --allow-read (TLS files, if any)
 */
import rabbit from "rabbitmq-stream-js-client";
import { Buffer } from "node:buffer";
import { cli, wholeNumber } from "../../lib/cli.ts";
import {
  connectStream,
  givenStreamPort,
  STREAM_PORT_OPTION,
  SUPER_STREAMS,
} from "../../lib/stream.ts";

const { brokers, values } = cli("stream:super_stream_send", {
  summary:
    'Send 20 invoices for 5 customers to the super stream "invoices" (3 partitions), routed by customer (stream tutorial 5)',
  options: {
    "super-stream": { default: "invoices", description: "super stream name" },
    partitions: {
      default: "3",
      description: "how many partitions, if it creates the super stream",
    },
    count: { default: "20", description: "how many invoices" },
    customers: { default: "5", description: "how many customers" },
    "stream-port": STREAM_PORT_OPTION,
  },
});
const partitionCount = wholeNumber("partitions", values.partitions, 1);
const invoiceCount = wholeNumber("count", values.count, 1);
const customerCount = wholeNumber("customers", values.customers, 1);
const port = givenStreamPort(values["stream-port"]); // undefined: the broker's own stream port

console.log("Connecting...");
const client = await connectStream(
  brokers,
  port,
  (options) => rabbit.connect(options),
  SUPER_STREAMS,
);

const superStream = values["super-stream"];
console.log(`Making sure the super stream "${superStream}" exists...`);
// Declared here too, the same way: whichever program starts first creates it.
await client.createSuperStream({ streamName: superStream }, undefined, partitionCount);
const partitions = await client.queryPartitions({ superStream });
console.log(`Its partitions: ${partitions.join(", ")}`);

console.log("Creating the super stream publisher...");
// The routing key of an invoice is its customer: the client hashes it to pick the partition.
const publisher = await client.declareSuperStreamPublisher(
  { superStream },
  (_content, options) => String(options.applicationProperties?.customer),
);

console.log(`Publishing ${invoiceCount} invoices for ${customerCount} customers`);
for (let number = 1; number <= invoiceCount; number++) {
  const customer = `customer-${(number - 1) % customerCount + 1}`;
  await publisher.send(Buffer.from(`invoice ${number} of ${customer}`), {
    applicationProperties: { customer },
  });
}
await client.confirmed(invoiceCount);

console.log("Closing the connection...");
await client.close();
console.log("done!");
