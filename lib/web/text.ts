/**
 * The picture's content as text: a list for the page (under the picture,
 * for a screen reader) and the same lines for a terminal (`--once`).
 *
 * @module
 */
import { bindingRate, consumerTerms, perSecond, queueFlags, type Topology } from "./topology.ts";
import { xml } from "./svg.ts";

/** One line of the list, and the lines under it. */
export interface TextItem {
  text: string;
  items?: TextItem[];
}

/** When the numbers were read, and how fresh the broker keeps them. */
export function freshness(t: Topology): string {
  const every = t.statisticsIntervalSeconds;
  return `Read ${
    t.time.slice(11, 19)
  } UTC. The broker updates these numbers every ${every} s (its collect_statistics_interval${
    every === 5 ? ", 5 s by default" : ""
  }; --stats-interval if it is set otherwise): a rate is the average over the last ${every} s`;
}

/** The vhost as a list: exchanges with their bindings, queues with their consumers, producers. */
export function topologyItems(t: Topology): TextItem[] {
  const items: TextItem[] = [];
  for (const e of t.exchanges) {
    const bound = t.queues.filter((q) => q.bindings.some((b) => b.exchange === e.name));
    const who = e.publishers.length > 0 ? ` by ${e.publishers.join(", ")}` : "";
    items.push({
      text: `Exchange "${e.name}" (${e.type}${e.durable ? ", durable" : ""}${
        e.autoDelete ? ", auto-delete" : ""
      }): ${
        e.published ? `published to at ${perSecond(e.inRate)}${who}` : "nothing published yet"
      }`,
      items: bound.length === 0 ? [{ text: "no queue bound: its messages are dropped" }] : bound
        .map((q) => {
          const keys = q.bindings.find((b) => b.exchange === e.name)!.keys;
          const rate = bindingRate(q);
          return {
            text: `→ queue "${q.name}"${
              keys.some((key) => key !== "")
                ? `, binding key${keys.length > 1 ? "s" : ""} ${
                  keys.map((key) => `"${key}"`).join(", ")
                }`
                : ""
            }${rate === undefined ? "" : `: ${perSecond(rate)}`}`,
          };
        }),
    });
  }
  let consumerNumber = 0;
  for (const q of t.queues) {
    const consumers = q.consumers.map((c) => ({
      text: `→ C${++consumerNumber} "${c.connection}", ${consumerTerms(c)}: ${perSecond(c.rate)}`,
    }));
    if (consumers.length === 0 && q.otherConsumers === 0) consumers.push({ text: "no consumer" });
    items.push({
      text: `Queue "${q.name}" (${queueFlags(q)}): ${q.ready} ready, ${q.unacked} unacked, in ${
        perSecond(q.inRate)
      }${q.direct ? " (sent to it by name, through the default exchange)" : ""}, out ${
        perSecond(q.outRate)
      }`,
      items: [
        ...consumers,
        ...(q.otherConsumers > 0
          ? [{
            text:
              `→ ${q.otherConsumers} consumer(s) of other users, whom this user may not see (the "monitoring" tag shows them)`,
          }]
          : []),
      ],
    });
  }
  if (t.producers.length > 0) {
    items.push({ text: `Publishing now: ${t.producers.map((p) => `"${p}"`).join(", ")}` });
  }
  if (t.hidden > 0) {
    items.push({ text: `${t.hidden} more queue(s) and exchange(s) not matching "${t.filter}"` });
  }
  return items;
}

/** The header: the broker, the vhost, the API. */
export function heading(t: Topology): string {
  return `${t.broker} · vhost "${t.vhost}" · management API ${t.managementUrl}`;
}

/** The list as lines for a terminal, two spaces deeper per level, under the header. */
export function topologyLines(t: Topology): string[] {
  const lines = [heading(t), freshness(t), ""];
  const walk = (items: TextItem[], depth: number) => {
    for (const item of items) {
      lines.push(`${"  ".repeat(depth)}${item.text}`);
      walk(item.items ?? [], depth + 1);
    }
  };
  const items = topologyItems(t);
  walk(items, 0);
  if (items.length === 0) lines.push(`Nothing in vhost "${t.vhost}" yet.`);
  return lines;
}

/** The list as nested HTML lists. */
export function topologyHtmlList(t: Topology): string {
  const render = (items: TextItem[]): string =>
    `<ul>${
      items.map((item) =>
        `<li>${xml(item.text)}${item.items?.length ? render(item.items) : ""}</li>`
      ).join("")
    }</ul>`;
  return render(topologyItems(t));
}
