/**
 * The management UI's overview in the terminal (the first source article
 * watches its graphs): the publish rate and the deliver rate over the last
 * two minutes, the queued messages, and a table of the queues and of the
 * exchanges, from the management HTTP API. With two subscribers on a fanout
 * exchange, twice as many messages are delivered as published.
 *
 * The broker computes these numbers every collect_statistics_interval (5 s
 * by default): they change every 5 s, however often the screen refreshes.
 *
 * Run:   deno task monitor          (--once --json for one sample, for scripts)
 * Needs: --allow-net (the management API), --allow-env (AMQP_URL, RABBITMQ_MANAGEMENT_URL),
 *        --allow-read (TLS files, if any)
 */
import { cli, wholeNumber } from "../lib/cli.ts";
import { managementClient, managementRequest } from "../lib/management.ts";
import { type Overview, overviewScreen } from "../lib/monitor/overview_screen.ts";
import { ProgramError } from "../lib/program_error.ts";
import { closeOnSignal } from "../lib/shutdown.ts";
import { urlParts } from "../lib/url.ts";
import { checkSource } from "../lib/web/read_topology.ts";

const { url, values } = cli("monitor", {
  summary: "Show the broker's message rates, queues and exchanges (management API), refreshed",
  options: {
    "management-url": {
      description:
        "the management API (default: $RABBITMQ_MANAGEMENT_URL, else the broker URL's host at its AMQP port + 10000: http://HOST:15672 for 5672)",
    },
    vhost: { description: 'the vhost to watch (default: the broker URL\'s, else "/")' },
    interval: { default: "1", description: "seconds between refreshes" },
    "stats-interval": {
      default: "5",
      description:
        "the broker's collect_statistics_interval, in seconds: how often its numbers change",
    },
    once: { type: "boolean", description: "print one sample and exit" },
    json: { type: "boolean", description: "print each sample as one line of JSON" },
  },
});
const VHOST = values.vhost ?? urlParts(url).vhost;
const INTERVAL_S = wholeNumber("interval", values.interval, 1);
const STATS_S = wholeNumber("stats-interval", values["stats-interval"], 1);
const HISTORY_S = 120; // the graphs: the last two minutes, one bar per statistics interval
const TTY = Deno.stdout.isTerminal();
const COLOR = TTY && !Deno.noColor; // NO_COLOR set: no colors

// The TLS files (--ca, --cert, --key), for a management API on https.
const client = managementClient(url);

// deno-lint-ignore no-explicit-any
type Json = any; // the management API's answers, read field by field below
const api = (path: string): Promise<Json> =>
  managementRequest(url, path, { base: values["management-url"], client });
const V = encodeURIComponent(VHOST);

// Checked first, so that each mistake is one sentence: plugin off, wrong password, no such vhost.
const BASE = await checkSource({ url, base: values["management-url"], client, vhost: VHOST });
const { product_name: product, product_version: version } = await api("/api/overview");

/** Rates between successive counts (the API lists them newest first), oldest first. */
function ratesOf(samples: { sample: number; timestamp: number }[] = []): number[] {
  const rates = Array<number>(Math.floor(HISTORY_S / STATS_S)).fill(0);
  for (let i = 0; i + 1 < samples.length && i < rates.length; i++) {
    const seconds = (samples[i].timestamp - samples[i + 1].timestamp) / 1000;
    rates[rates.length - 1 - i] = (samples[i].sample - samples[i + 1].sample) / seconds;
  }
  return rates;
}

const round = (rate: number | undefined) => Math.round((rate ?? 0) * 10) / 10;

/** One reading of the management API: what its overview page shows, for one vhost. */
async function read(): Promise<Overview> {
  // The vhost from the list of vhosts: a user with the "management" tag alone (a Lab 5
  // student's) may read that list, where /api/vhosts/NAME wants an administrator.
  const ofVhost = (list: Json[]) => list.find((vhost) => vhost.name === VHOST) ?? {};
  const [now, history, queues, exchanges] = await Promise.all([
    // The rates as the broker computed them over its last statistics interval, as the UI shows.
    api(
      `/api/vhosts?columns=name,messages_ready,messages_unacknowledged,message_stats.publish_details.rate,message_stats.deliver_get_details.rate`,
    ).then(ofVhost),
    // The message counts every STATS_S seconds over the last HISTORY_S: the graphs.
    api(
      `/api/vhosts?msg_rates_age=${HISTORY_S}&msg_rates_incr=${STATS_S}&columns=name,message_stats.publish_details.samples,message_stats.deliver_get_details.samples`,
    ).then(ofVhost),
    api(
      `/api/queues/${V}?columns=name,type,messages_ready,messages_unacknowledged,consumers,message_stats.publish_details.rate,message_stats.deliver_get_details.rate`,
    ),
    api(
      `/api/exchanges/${V}?columns=name,type,message_stats.publish_in_details.rate,message_stats.publish_out_details.rate`,
    ),
  ]);
  return {
    time: new Date().toISOString(),
    broker: `${product} ${version}`,
    managementUrl: BASE,
    vhost: VHOST,
    statisticsIntervalSeconds: STATS_S,
    rates: {
      publish: round(now.message_stats?.publish_details?.rate),
      deliver: round(now.message_stats?.deliver_get_details?.rate),
    },
    history: {
      seconds: HISTORY_S,
      publish: ratesOf(history.message_stats?.publish_details?.samples).map(round),
      deliver: ratesOf(history.message_stats?.deliver_get_details?.samples).map(round),
    },
    messages: { ready: now.messages_ready ?? 0, unacked: now.messages_unacknowledged ?? 0 },
    queues: queues.map((queue: Json) => ({
      name: queue.name,
      type: queue.type,
      ready: queue.messages_ready ?? 0,
      unacked: queue.messages_unacknowledged ?? 0,
      consumers: queue.consumers ?? 0,
      inRate: round(queue.message_stats?.publish_details?.rate),
      outRate: round(queue.message_stats?.deliver_get_details?.rate),
    })),
    exchanges: exchanges.map((exchange: Json) => ({
      name: exchange.name,
      type: exchange.type,
      inRate: round(exchange.message_stats?.publish_in_details?.rate),
      outRate: round(exchange.message_stats?.publish_out_details?.rate),
    })),
  };
}

/** One reading as one plain line, for a log or a pipe. */
function plainLine(o: Overview): string {
  const { publish, deliver } = o.rates;
  return `${o.time} publish ${publish.toFixed(1)}/s deliver ${
    deliver.toFixed(1)
  }/s ready ${o.messages.ready} unacked ${o.messages.unacked}`;
}

/** Reads and shows the overview every INTERVAL_S seconds, until Ctrl+C; a failed read is shown, and retried. */
async function watch(): Promise<never> {
  const encoder = new TextEncoder();
  const write = (text: string) => Deno.stdout.writeSync(encoder.encode(text));
  const fullScreen = TTY && !values.json;
  let onScreen = false;
  /** Gives back the terminal as it was: the main screen, and the cursor. */
  const leaveScreen = () => {
    if (onScreen) write("\x1b[?25h\x1b[?1049l");
    onScreen = false;
  };
  if (fullScreen) {
    // The terminal's alternate screen, as `top` and `less` use, without the cursor.
    write("\x1b[?1049h\x1b[?25l");
    onScreen = true;
  }
  // With --json, stdout is data: no " [*] Stopped by SIGTERM" line at its end.
  closeOnSignal({ close: () => Promise.resolve(leaveScreen()) }, { saySigterm: !values.json });

  let last: Overview | undefined;
  while (true) {
    let fresh: Overview | undefined;
    let problem: string | undefined;
    try {
      fresh = last = await read();
    } catch (error) {
      if (!(error instanceof ProgramError)) {
        leaveScreen(); // so that the error is printed where it can be read
        throw error;
      }
      problem = error.message; // e.g. the broker is restarting: say so, and try again
    }
    if (fullScreen) {
      const { columns, rows } = Deno.consoleSize();
      const status = problem ?? `Refreshing every ${INTERVAL_S} s · Ctrl+C to quit`;
      const lines = last
        ? overviewScreen(last, { columns, rows, color: COLOR, status, problem: !!problem })
        : [status];
      // Home, each line over the old one, then clear what is left below: no flicker.
      write(`\x1b[H${lines.map((line) => `${line}\x1b[K`).join("\n")}\x1b[J`);
    } else if (fresh) {
      console.log(values.json ? JSON.stringify(fresh) : plainLine(fresh));
    } else {
      console.error(problem);
    }
    await new Promise((resolve) => setTimeout(resolve, INTERVAL_S * 1000));
  }
}

if (values.once) {
  const overview = await read();
  const { columns, rows } = TTY ? Deno.consoleSize() : { columns: 100, rows: 40 };
  console.log(
    values.json
      ? JSON.stringify(overview)
      : overviewScreen(overview, { columns, rows, color: COLOR }).join("\n"),
  );
} else {
  await watch();
}
