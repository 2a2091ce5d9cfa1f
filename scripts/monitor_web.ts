/**
 * The picture each tutorial draws (P → X → queues → C, the binding keys on
 * the arrows), drawn from your broker, live, in a browser: the exchanges of
 * the vhost with their types, the queues with their flags and messages, the
 * consumers with their prefetch, and the rates on the arrows, from the
 * management API; the same as text under the picture, and with --once in
 * the terminal.
 *
 * Read-only and local: it listens on 127.0.0.1 unless --host says otherwise,
 * the page has no password and shows none, and it only reads the API. The
 * broker computes its numbers every collect_statistics_interval (5 s by
 * default): the page says when it read them.
 *
 * Run:   deno task monitor:web        then open the URL it prints
 *        deno task monitor:web --once (the text, in the terminal)
 * Needs: --allow-net (the API, the page), --allow-env, --allow-read (TLS files, if any)
 */
import { cli, wholeNumber } from "../lib/cli.ts";
import { managementClient } from "../lib/management.ts";
import { closeOnSignal } from "../lib/shutdown.ts";
import { urlParts } from "../lib/url.ts";
import { checkSource, readTopology } from "../lib/web/read_topology.ts";
import { serveMonitor } from "../lib/web/server.ts";
import { topologyLines } from "../lib/web/text.ts";

const { url, values } = cli("monitor:web", {
  summary:
    "Draw the vhost's exchanges, queues and consumers as the tutorials do, live, on a local web page",
  options: {
    "management-url": {
      description:
        "the management API (default: $RABBITMQ_MANAGEMENT_URL, else the broker URL's host at its AMQP port + 10000)",
    },
    vhost: { description: 'the vhost to draw (default: the broker URL\'s, else "/")' },
    host: {
      default: "127.0.0.1",
      description: "the address the page listens on (another one shows the broker to your network)",
    },
    port: { default: "8672", description: "the page's port (0: any free one)" },
    interval: { default: "2", description: "seconds between the page's refreshes" },
    "stats-interval": {
      default: "5",
      description:
        "the broker's collect_statistics_interval, in seconds: how often its numbers change",
    },
    filter: { description: "draw only what matches this part of a name (the page can change it)" },
    once: { type: "boolean", description: "print the vhost as text once and exit" },
  },
});
const source = {
  url,
  base: values["management-url"],
  client: managementClient(url), // TLS files (--ca, --cert, --key) for an API on https
  vhost: values.vhost ?? urlParts(url).vhost,
  statisticsIntervalSeconds: wholeNumber("stats-interval", values["stats-interval"], 1),
};
const PORT = wholeNumber("port", values.port, 0);
const REFRESH_S = wholeNumber("interval", values.interval, 1);

// One sentence, before anything is served: no management plugin, a user without the tag, no vhost.
const base = await checkSource(source);

if (values.once) {
  console.log(topologyLines(await readTopology(source, base, values.filter)).join("\n"));
} else {
  const server = serveMonitor({
    hostname: values.host,
    port: PORT,
    vhost: source.vhost,
    refreshSeconds: REFRESH_S,
    read: (filter) => readTopology(source, base, filter),
    onListen: ({ hostname, port }) => {
      const host = hostname.includes(":") ? `[${hostname}]` : hostname;
      const filter = values.filter ? `?filter=${encodeURIComponent(values.filter)}` : "";
      console.log(
        ` [*] The picture of vhost "${source.vhost}" at http://${host}:${port}/${filter} (read-only). To exit press CTRL+C`,
      );
      if (hostname !== "127.0.0.1" && hostname !== "localhost" && hostname !== "::1") {
        console.log(
          ` [!] Listening on ${hostname}: anyone who reaches it sees the broker's names and numbers, without a password`,
        );
      }
    },
  });
  closeOnSignal({ close: () => server.shutdown() });
  await server.finished;
}
