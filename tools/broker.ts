/**
 * Makes sure a RabbitMQ broker runs at the configured URL: if one answers it
 * says so; otherwise it starts one with Docker Compose, else a local
 * rabbitmq-server, and waits until it accepts connections. Then it prints
 * the broker's version and where to reach it.
 *
 * Run:   deno task broker
 * Needs: --allow-net, --allow-env, --allow-read, --allow-run (docker, rabbitmq-server, rabbitmqctl), --allow-sys=uid
 */
import { cli } from "../lib/cli.ts";
import { managementUi } from "../lib/management.ts";
import { maskUrl } from "../lib/url.ts";
import { brokerVersion } from "../lib/broker_version.ts";
import { ensureBroker } from "./lib/broker.ts";

const { url } = cli("broker", {
  summary: "Find a RabbitMQ broker at the configured URL, or start one",
});

console.log(await ensureBroker(url));
console.log(`Version:       RabbitMQ ${await brokerVersion(url)}`);
console.log(`AMQP URL:      ${maskUrl(url)}`);
console.log(
  `Management UI: ${await managementUi(url)} (user guest, password guest, unless yours differ)`,
);
