/**
 * Lab 5, walk-through part 5: the publisher. Sends a stock quote to the
 * topic exchange "stocks" with a routing key <class>.<market>.<currency>,
 * e.g. "stock.usa.usd" or "bond.moex.rub"; subscribers bound with matching
 * patterns get it.
 *
 * Run:   deno task lab:5:emit_stock stock.usa.usd "AAPL 189.98"   (with lab:5:receive_stocks)
 * Needs: --allow-net, --allow-env (AMQP_URL), --allow-read (TLS files, if any)
 */
import { Buffer } from "node:buffer";
import { parseCli } from "../../lib/config.ts";
import { connect } from "../../lib/connect.ts";
import { fail } from "../../lib/errors.ts";
import { printSent, STOCKS_EXCHANGE } from "../../lib/lab.ts";
import { checkRoutingKey } from "../../lib/routing.ts";

const { url, values, positionals } = parseCli({
  name: "lab:5:emit_stock",
  summary:
    `Send a quote with a key <class>.<market>.<currency> to the topic exchange "${STOCKS_EXCHANGE}" (lab 5, part 5)`,
  args: "[class.market.currency] [message...]",
  options: {
    exchange: { type: "string", default: STOCKS_EXCHANGE, description: "topic exchange" },
  },
});
const EXCHANGE = values.exchange;
const ROUTING_KEY = checkRoutingKey(positionals[0] ?? "stock.usa.usd");
const MESSAGE = positionals.slice(1).join(" ") || "AAPL 189.98";

if (!/^[^.*#]+\.[^.*#]+\.[^.*#]+$/.test(ROUTING_KEY)) {
  fail(
    `Invalid routing key "${ROUTING_KEY}": expected three words <class>.<market>.<currency>, e.g. "stock.usa.usd"`,
    2,
  );
}

const connection = await connect(url, { name: "lab:5:emit_stock" });
const channel = await connection.createChannel();

await channel.assertExchange(EXCHANGE, "topic", { durable: false });
channel.publish(EXCHANGE, ROUTING_KEY, Buffer.from(MESSAGE));
printSent(MESSAGE, ROUTING_KEY);

await channel.close();
await connection.close();
