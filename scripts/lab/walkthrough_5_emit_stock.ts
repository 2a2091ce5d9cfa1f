/**
 * Lab 5, walk-through part 5: the publisher. Sends a stock quote to the
 * topic exchange "stocks" with a routing key <class>.<market>.<currency>,
 * e.g. "stock.usa.usd" or "bond.moex.rub"; subscribers bound with matching
 * patterns get it.
 *
 * Run:   deno task lab:5:emit_stock stock.usa.usd "AAPL 189.98"   (with lab:5:receive_stocks)
 * Needs: --allow-net, --allow-env (AMQP_URL), --allow-read (TLS files, if any)
 */
import amqp from "amqplib";
import { Buffer } from "node:buffer";
import { connectFirst, socketOptions } from "../../lib/connect.ts";
import { ProgramError } from "../../lib/program_error.ts";
import { labCli, usingLine } from "../../lib/lab/cli.ts";
import { checkRoutingKey } from "../../lib/routing.ts";

const { brokers, values, positionals, vhost } = labCli("lab:5:emit_stock", {
  summary:
    'Send a quote with a key <class>.<market>.<currency> to the topic exchange "stocks" (lab 5, part 5)',
  args: "[class.market.currency] [message...]",
  options: { exchange: "stocks" },
});
const routingKey = checkRoutingKey(positionals[0] ?? "stock.usa.usd");
const msg = positionals.slice(1).join(" ") || "AAPL 189.98";
if (!/^[^.*#]+\.[^.*#]+\.[^.*#]+$/.test(routingKey)) {
  throw new ProgramError(
    `Invalid routing key "${routingKey}": expected three words <class>.<market>.<currency>, e.g. "stock.usa.usd"`,
    "usage",
  );
}

const connection = await connectFirst(brokers, (url) => amqp.connect(url, socketOptions(url)));
const channel = await connection.createChannel();

const exchange = values.exchange;
await channel.assertExchange(exchange, "topic", { durable: false });
console.log(usingLine(vhost, { exchange }));
channel.publish(exchange, routingKey, Buffer.from(msg));
console.log(`SENT: [${routingKey}] ${msg}`);

await channel.close();
await connection.close();
