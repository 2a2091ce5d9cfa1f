/**
 * Lab 5: your queues and exchanges as the broker holds them, read from its
 * management API with your own user: each queue's type and flags (durable,
 * exclusive, auto-delete), its messages (how many persistent), its
 * bindings, each exchange's type and flags, and what a broker restart would
 * keep. On a course server, where a restart would stop everyone's work, this
 * is how you show that your queue and messages are durable: the flags and
 * the persistent messages are what a restart keeps.
 *
 * Run:   deno task lab:show --group inbo-04 --surname laptev   (--walkthrough: the shared ones too)
 * Needs: --allow-net (the management API), --allow-env (AMQP_URL, LAB_GROUP, LAB_SURNAME,
 *        RABBITMQ_MANAGEMENT_URL), --allow-read (TLS files, if any)
 */
import { studentCli, VHOST_FIX } from "../../lib/lab/cli.ts";
import { WALKTHROUGH_EXCHANGES, WALKTHROUGH_QUEUES } from "../../lib/lab/names.ts";
import {
  plural,
  restartFate,
  settled,
  type ShownExchange,
  type ShownQueue,
  STATISTICS_INTERVAL_MS,
} from "../../lib/lab/show.ts";
import { managementClient, managementRequest, managementUrl } from "../../lib/management.ts";
import { ProgramError } from "../../lib/program_error.ts";
import { urlParts } from "../../lib/url.ts";

const { url, values, student, vhost } = studentCli("lab:show", {
  summary:
    "Show your queues and exchanges as the broker holds them (management API): flags, messages, bindings, and what a restart keeps",
  options: {
    walkthrough: {
      type: "boolean",
      description: "also show the walk-through's shared queues and exchanges",
    },
  },
});

// Yours: <group>_<surname> and every name that begins with <group>_<surname>_.
const yours = (name: string) =>
  name === student || name.startsWith(`${student}_`) ||
  (values.walkthrough && [...WALKTHROUGH_QUEUES, ...WALKTHROUGH_EXCHANGES].includes(name));
const V = encodeURIComponent(vhost);
const client = managementClient(url); // the TLS files, for a management API on https
// deno-lint-ignore no-explicit-any
const api = (path: string): Promise<any> => managementRequest(url, path, { client });

// The vhosts this user may see: a student sees the course's alone.
const vhosts: { name: string }[] = await api("/api/vhosts?columns=name");
if (!vhosts.some((known) => known.name === vhost)) {
  throw new ProgramError(
    `The vhost "${vhost}" does not exist at "${managementUrl(url)}" (or user "${
      urlParts(url).user
    }" may not see it); ${VHOST_FIX}`,
  );
}
const [overview, exchanges, bindings]: [
  { product_version?: string },
  ShownExchange[],
  { source: string; destination: string; destination_type: string; routing_key: string }[],
] = await Promise.all([
  api("/api/overview"),
  api(`/api/exchanges/${V}?columns=name,type,durable,auto_delete`),
  api(`/api/bindings/${V}`),
]);
// The message counts come from two of the broker's statistics, each refreshed every 5 s at its
// own moment: read until they stay the same over one interval, so that they agree.
const readQueues = async (): Promise<ShownQueue[]> =>
  (await api(
    `/api/queues/${V}?columns=name,type,durable,exclusive,auto_delete,messages_ready,messages_unacknowledged,messages_persistent,consumers`,
  )).filter((queue: ShownQueue) => yours(queue.name));
const queues = await settled(readQueues, STATISTICS_INTERVAL_MS + 500);
const version = overview.product_version ?? "?";
const yesNo = (flag: boolean, name: string) => flag ? name : `not ${name}`;

console.log(
  `INFO: Vhost "${vhost}" at ${managementUrl(url)} (RabbitMQ ${version}), as user "${
    urlParts(url).user
  }"; the counts as the broker's statistics settled (every 5 s)`,
);
let shown = 0;
for (const queue of queues.value) {
  shown++;
  const flags = [
    yesNo(queue.durable, "durable"),
    yesNo(queue.exclusive, "exclusive"),
    yesNo(queue.auto_delete, "auto-delete"),
  ].join(", ");
  const messages = queue.messages_ready === undefined
    ? "messages not counted yet"
    : `${plural(queue.messages_ready, "message")} ready (${
      queue.messages_persistent ?? 0
    } persistent), ${queue.messages_unacknowledged ?? 0} unacked, ${
      plural(queue.consumers ?? 0, "consumer")
    }`;
  console.log(`Queue "${queue.name}": ${queue.type ?? "classic"}, ${flags}; ${messages}`);
  for (const binding of bindings.filter((b) => b.destination === queue.name)) {
    const from = binding.source === "" ? "the default exchange" : `exchange "${binding.source}"`;
    console.log(`  bound from ${from} with key "${binding.routing_key}"`);
  }
  console.log(`  after a broker restart: ${restartFate(queue, version)}`);
}
for (const exchange of exchanges.filter((exchange) => yours(exchange.name))) {
  shown++;
  const flags = [yesNo(exchange.durable, "durable"), yesNo(exchange.auto_delete, "auto-delete")];
  console.log(`Exchange "${exchange.name}": ${exchange.type}, ${flags.join(", ")}`);
  for (const binding of bindings.filter((b) => b.source === exchange.name)) {
    console.log(
      `  bound to ${binding.destination_type} "${binding.destination}" with key "${binding.routing_key}"`,
    );
  }
  console.log(`  after a broker restart: ${restartFate(exchange, version)}`);
}
if (!queues.settled) {
  console.log(
    "INFO: the message counts kept changing (a program is sending or consuming): they are the last ones read",
  );
}
if (shown === 0) {
  console.log(
    `None of your queues and exchanges (${student}, ${student}_...) exist in vhost "${vhost}": run your programs first`,
  );
}
