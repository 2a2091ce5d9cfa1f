/**
 * Makes sure a RabbitMQ broker runs at the configured URL: if one answers it
 * says so; otherwise it starts one with Docker Compose, else a local
 * rabbitmq-server, and waits until it accepts connections.
 *
 * Run:   deno task broker
 * Needs: --allow-net, --allow-env, --allow-read, --allow-run (docker, rabbitmq-server, rabbitmqctl), --allow-sys=uid
 */
import { parseCli } from "../lib/config.ts";
import { ensureBroker } from "../lib/broker.ts";
import { fail } from "../lib/errors.ts";
import { maskUrl, urlParts } from "../lib/url.ts";

const { url } = parseCli({
  name: "broker",
  summary: "Find a RabbitMQ broker at the configured URL, or start one",
  maxArgs: 0,
});

try {
  console.log(await ensureBroker(url));
} catch (error) {
  fail((error as Error).message);
}
console.log(`AMQP URL:      ${maskUrl(url)}`);
console.log(`Management UI: http://${urlParts(url).host}:15672 (user guest, password guest)`);
