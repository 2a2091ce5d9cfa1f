/**
 * Lab 5, walk-through part 3: the publisher. Sends one message to the
 * fanout exchange "logs", which copies it to every queue bound to it: every
 * running `lab:3:receive_logs` prints it.
 *
 * Run:   deno task lab:3:emit_log "info: Hello World!"   (with `deno task lab:3:receive_logs`)
 * Needs: --allow-net, --allow-env (AMQP_URL), --allow-read (TLS files, if any)
 */
import { Buffer } from "node:buffer";
import { parseCli } from "../../lib/config.ts";
import { connect } from "../../lib/connect.ts";
import { LOGS_EXCHANGE, printSent } from "../../lib/lab.ts";

const { url, values, positionals } = parseCli({
  name: "lab:3:emit_log",
  summary:
    `Send a message to every subscriber of the fanout exchange "${LOGS_EXCHANGE}" (lab 5, part 3)`,
  args: "[message...]",
  options: {
    exchange: { type: "string", default: LOGS_EXCHANGE, description: "fanout exchange" },
  },
});
const EXCHANGE = values.exchange;
const MESSAGE = positionals.join(" ") || "info: Hello World!";

const connection = await connect(url, { name: "lab:3:emit_log" });
const channel = await connection.createChannel();

await channel.assertExchange(EXCHANGE, "fanout", { durable: false });
// A fanout exchange ignores the routing key: every bound queue gets a copy.
channel.publish(EXCHANGE, "", Buffer.from(MESSAGE));
printSent(MESSAGE);

await channel.close();
await connection.close();
