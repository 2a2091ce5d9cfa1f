/**
 * Drawing the management UI's overview as lines of text: the rate graphs,
 * the queued messages, the queues and the exchanges.
 *
 * @module
 */
import { sparkline } from "./sparkline.ts";

/** One reading of the management API for one vhost, as `deno task monitor --json` prints it. */
export interface Overview {
  /** When it was read, ISO 8601. */
  time: string;
  /** The broker, e.g. "RabbitMQ 3.10.8". */
  broker: string;
  managementUrl: string;
  vhost: string;
  /** How often the broker updates its statistics: its collect_statistics_interval. */
  statisticsIntervalSeconds: number;
  /** Messages per second, as the broker computed them over its last statistics interval. */
  rates: { publish: number; deliver: number };
  /** The rates over the last `seconds`, one per statistics interval, oldest first. */
  history: { seconds: number; publish: number[]; deliver: number[] };
  messages: { ready: number; unacked: number };
  queues: {
    name: string;
    type: string;
    ready: number;
    unacked: number;
    consumers: number;
    inRate: number;
    outRate: number;
  }[];
  exchanges: { name: string; type: string; inRate: number; outRate: number }[];
}

/** Options for {@link overviewScreen}. */
export interface ScreenOptions {
  /** The terminal's width: no line is longer. */
  columns: number;
  /** The terminal's height: the tables are cut (`… and 3 more`) to fit. */
  rows: number;
  /** Draw with colors (not when NO_COLOR is set, nor in a file). */
  color?: boolean;
  /** The last line: e.g. how often the screen refreshes. */
  status?: string;
  /** The status is a problem: drawn in red. */
  problem?: boolean;
}

/** Fits `text` in `width` characters, cutting it with "…". */
function fit(text: string, width: number): string {
  return text.length <= width ? text.padEnd(width) : `${text.slice(0, width - 1)}…`;
}

/** Busy rows first (traffic, messages or consumers), then by name: the active ones stay in view. */
function byActivity<T extends { name: string }>(rows: T[], busy: (row: T) => boolean): T[] {
  return rows.toSorted((a, b) => Number(busy(b)) - Number(busy(a)) || a.name.localeCompare(b.name));
}

/** Cuts `text` at spaces into lines of at most `width` characters. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  return [...lines, line];
}

/**
 * The overview as lines for a terminal `columns` wide and `rows` high: the
 * publish and deliver rates as two graphs on one scale with their current
 * values, the queued messages, and the tables of queues and exchanges.
 *
 * @example
 * ```ts
 * const { columns, rows } = Deno.consoleSize();
 * console.log(overviewScreen(overview, { columns, rows, color: !Deno.noColor }).join("\n"));
 * ```
 */
export function overviewScreen(o: Overview, options: ScreenOptions): string[] {
  const { columns } = options;
  const paint = (code: number) => (text: string) =>
    options.color ? `\x1b[${code}m${text}\x1b[0m` : text;
  const [bold, dim, red, green, cyan] = [1, 2, 31, 32, 36].map(paint);
  const perSecond = (rate: number) => `${rate.toFixed(1)}/s`;
  const rate = (value: number) => value.toFixed(1).padStart(7);
  const count = (value: number, width = 7) => String(value).padStart(width);

  const points = o.history.publish.length;
  const repeat = Math.max(1, Math.floor(Math.min(48, columns - 26) / points));
  const max = Math.max(1, ...o.history.publish, ...o.history.deliver, ...Object.values(o.rates));
  const every = o.statisticsIntervalSeconds;
  const lines = [
    bold(`${o.broker} · ${o.managementUrl} · vhost "${o.vhost}" · ${o.time.slice(11, 19)} UTC`),
    `Message rates, last ${
      o.history.seconds / 60
    } min (msg/s; the broker's statistics change every ${every} s)`,
    `  Publish   ${green(sparkline(o.history.publish, { max, repeat }))}  ${
      bold(perSecond(o.rates.publish))
    }`,
    `  Deliver   ${cyan(sparkline(o.history.deliver, { max, repeat }))}  ${
      bold(perSecond(o.rates.deliver))
    }`,
    dim(`            one bar per ${every} s, full height ${perSecond(max)}`),
    `Queued messages: ${o.messages.ready} ready, ${o.messages.unacked} unacked`,
    "",
  ];
  const status = options.status ? wrap(options.status, columns - 1) : [];

  // What is left of the screen, for the two tables (queues first): their headers, their "… more"
  // lines, the blank line between them, and the one before the status take 6 lines.
  const room = Math.max(6, options.rows - lines.length - status.length - 6);
  const queueRoom = Math.max(3, Math.ceil(room * 0.6));
  const exchangeRoom = Math.max(3, room - queueRoom);
  const nameWidth = Math.max(16, Math.min(40, columns - 53));

  const queues = byActivity(
    o.queues,
    (q) => q.inRate + q.outRate + q.ready + q.unacked + q.consumers > 0,
  );
  lines.push(bold(
    `${fit(`Queues (${queues.length})`, nameWidth)} ${fit("type", 8)} ${"ready".padStart(7)} ${
      "unacked".padStart(7)
    } consumers ${"in/s".padStart(7)} ${"out/s".padStart(7)}`,
  ));
  for (const q of queues.slice(0, queueRoom)) {
    lines.push(
      `${fit(q.name, nameWidth)} ${fit(q.type, 8)} ${count(q.ready)} ${count(q.unacked)} ${
        count(q.consumers, 9)
      } ${rate(q.inRate)} ${rate(q.outRate)}`,
    );
  }
  if (queues.length > queueRoom) lines.push(dim(`… and ${queues.length - queueRoom} more`));
  lines.push("");

  const exchanges = byActivity(o.exchanges, (e) => e.inRate + e.outRate > 0);
  lines.push(bold(
    `${fit(`Exchanges (${exchanges.length})`, nameWidth)} ${fit("type", 8)} ${"in/s".padStart(7)} ${
      "out/s".padStart(7)
    }`,
  ));
  for (const e of exchanges.slice(0, exchangeRoom)) {
    lines.push(
      `${fit(e.name || "(AMQP default)", nameWidth)} ${fit(e.type, 8)} ${rate(e.inRate)} ${
        rate(e.outRate)
      }`,
    );
  }
  if (exchanges.length > exchangeRoom) {
    lines.push(dim(`… and ${exchanges.length - exchangeRoom} more`));
  }
  if (status.length > 0) lines.push("", ...status.map(options.problem ? red : dim));
  return lines;
}
