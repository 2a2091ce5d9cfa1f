/**
 * The picture of a vhost as plain SVG, in the official tutorials' style:
 * P → X (type) → queues → C, left to right, the binding keys and the rates
 * on the arrows. One band per exchange, its queues stacked in it, each
 * queue's consumers beside it; the queues nobody bound (tutorials 1, 2) get
 * a band of their own with P drawn straight at them, as the tutorials draw
 * the default exchange: not at all. The picture grows downwards, one row
 * per consumer, so 30 queues scroll instead of shrinking.
 *
 * Every element carries `data-*` attributes (name, type, rate) for tests
 * and a `<title>` with its full name for a pointer.
 *
 * @module
 */
import {
  bindingRate,
  consumerTerms,
  perSecond,
  queueFlags,
  type QueueNode,
  shortName,
  type Topology,
} from "./topology.ts";

/** The picture's width, and the columns' centres: P, X, the queues' left edge, C. */
export const WIDTH = 960;
const P_X = 50;
const X_X = 250;
const Q_LEFT = 470;
const Q_WIDTH = 120;
const Q_HEIGHT = 30;
const C_X = 740;
const ROW = 80;
const BAND_GAP = 16;
const R = 20; // the circles' radius
/** More queues than this on one exchange: the exchange at the top, the keys by their queues. */
const CROWDED = 3;

/** Text for XML: `&`, `<`, `>`, `"` escaped. */
export function xml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
}

/** One band of the picture: an exchange (or none: the default one) and its queues. */
interface Band {
  exchange?: Topology["exchanges"][number];
  queues: QueueNode[];
}

/** The exchanges' bands (each queue in its first exchange's), then the unbound queues' own. */
function bands(t: Topology): Band[] {
  const shown = new Set(t.exchanges.map((e) => e.name));
  const primary = (q: QueueNode) => q.bindings.find((b) => shown.has(b.exchange))?.exchange;
  return [
    ...t.exchanges.map((exchange) => ({
      exchange,
      queues: t.queues.filter((q) => primary(q) === exchange.name),
    })),
    ...t.queues.filter((q) => primary(q) === undefined).map((q) => ({ queues: [q] })),
  ];
}

/** A queue's rows: one per consumer, one for the consumers this user may not see. */
const rows = (q: QueueNode) => Math.max(1, q.consumers.length + (q.otherConsumers > 0 ? 1 : 0));

/** A rate's label on an arrow: a small white box, so that it reads over the line. */
function rateLabel(x: number, y: number, rate: number): string {
  const text = perSecond(rate);
  const width = 8 + text.length * 7;
  return `<g class="rate"><rect x="${x - width / 2}" y="${
    y - 9
  }" width="${width}" height="16" rx="8" fill="#fff" stroke="${
    rate > 0 ? "#2a7" : "#bbb"
  }"/><text x="${x}" y="${y + 3}" text-anchor="middle" class="small${
    rate > 0 ? " busy" : ""
  }">${text}</text></g>`;
}

/** An arrow from (x1, y1) to (x2, y2), curved when the two are not level. */
function arrow(
  from: string,
  to: string,
  [x1, y1, x2, y2]: number[],
  rate: number | undefined,
  label = "",
  labelAtEnd = false,
): string {
  const mid = (x1 + x2) / 2;
  const path = y1 === y2
    ? `M${x1},${y1} L${x2},${y2}`
    : `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`;
  // Where the labels go: the binding key at the middle, as the tutorials write it, the rate
  // closer to the arrow's head.
  const labelX = x1 + (x2 - x1) * 0.42;
  const labelY = y1 + (y2 - y1) * 0.42;
  const rateX = x1 + (x2 - x1) * 0.86;
  const rateY = y1 === y2 ? y2 : y1 + (y2 - y1) * 0.97;
  return `<g class="arrow" data-from="${xml(from)}" data-to="${xml(to)}"${
    rate === undefined ? "" : ` data-rate="${rate}"`
  }><path d="${path}" fill="none" stroke="#333" stroke-width="1.5" marker-end="url(#head)"/>${
    label
      ? labelAtEnd
        ? `<text x="${x2 - 8}" y="${y2 + 16}" text-anchor="end" class="key">${xml(label)}</text>`
        : `<text x="${labelX}" y="${
          labelY + (y2 > y1 ? 16 : -6)
        }" text-anchor="middle" class="key">${xml(label)}</text>`
      : ""
  }${rate === undefined ? "" : rateLabel(rateX, rateY - (y1 === y2 ? 14 : 0), rate)}</g>`;
}

/** A circle with a letter, as the tutorials draw P, X and C. */
function circle(x: number, y: number, letter: string, fill: string): string {
  return `<circle cx="${x}" cy="${y}" r="${R}" fill="${fill}" stroke="#333" stroke-width="1.5"/>` +
    `<text x="${x}" y="${y + 5}" text-anchor="middle" class="letter">${letter}</text>`;
}

/** A queue as the tutorials draw it: a red box of message slots, its name above. */
function queueBox(q: QueueNode, y: number): string {
  const top = y - Q_HEIGHT / 2;
  const slots = Array.from({ length: 5 }, (_, i) => {
    const x = Q_LEFT + Q_WIDTH - (i + 1) * 18;
    return `<line x1="${x}" y1="${top}" x2="${x}" y2="${top + Q_HEIGHT}" stroke="#a33"/>`;
  }).join("");
  return `<g class="queue" data-name="${
    xml(q.name)
  }" data-type="${q.type}" data-consumers="${q.consumers.length}" data-ready="${q.ready}" data-unacked="${q.unacked}" data-flags="${
    xml(queueFlags(q))
  }"><title>${xml(`${q.name} (${queueFlags(q)})`)}</title>` +
    `<rect x="${Q_LEFT}" y="${top}" width="${Q_WIDTH}" height="${Q_HEIGHT}" fill="${
      q.type === "stream" ? "#f5c27a" : q.type === "quorum" ? "#f7a5a5" : "#fbb"
    }" stroke="#a33" stroke-width="1.5"/>${slots}` +
    `<text x="${Q_LEFT + Q_WIDTH / 2}" y="${top - 6}" text-anchor="middle" class="name">${
      xml(shortName(q.name))
    }</text>` +
    `<text x="${Q_LEFT + Q_WIDTH / 2}" y="${
      top + Q_HEIGHT + 14
    }" text-anchor="middle" class="small">ready ${q.ready} · unacked ${q.unacked}</text>` +
    `<text x="${Q_LEFT + Q_WIDTH / 2}" y="${
      top + Q_HEIGHT + 27
    }" text-anchor="middle" class="flags">${xml(queueFlags(q))}</text></g>`;
}

/**
 * The vhost's picture: an `<svg>` element `WIDTH` wide and as high as its
 * bands, or a sentence saying there is nothing to draw.
 *
 * @example
 * ```ts
 * const svg = topologySvg(await readTopology(source, base));
 * ```
 */
export function topologySvg(t: Topology): string {
  const parts: string[] = [];
  // Each queue's centre, for the arrows of its other exchanges.
  const queueY = new Map<string, number>();
  const exchangeY = new Map<string, number>();
  let y = 0;
  let consumerNumber = 0;
  const layout = bands(t).map((band) => {
    const height = Math.max(1, band.queues.reduce((sum, q) => sum + rows(q), 0)) * ROW;
    const top = y + 8;
    y = top + height + BAND_GAP;
    let row = 0;
    for (const q of band.queues) {
      queueY.set(q.name, top + (row + rows(q) / 2) * ROW);
      row += rows(q);
    }
    // An exchange with many queues stays at the top of its band, in view when the picture scrolls.
    const crowded = band.queues.length > CROWDED;
    if (band.exchange) {
      exchangeY.set(band.exchange.name, crowded ? top + ROW / 2 : top + height / 2);
    }
    return { band, top, height };
  });

  for (const { band, top, height } of layout) {
    const e = band.exchange;
    const middle = e ? exchangeY.get(e.name)! : top + height / 2;
    if (e) {
      if (e.published || e.inRate > 0) {
        const who = e.publishers.length > 0 ? e.publishers.join(", ") : "";
        parts.push(
          `<g class="producer" data-to="${xml(e.name)}"><title>${
            xml(who || "producers publishing to this exchange")
          }</title>${circle(P_X, middle, "P", "#9cf")}${
            who
              ? `<text x="${P_X}" y="${middle + R + 14}" text-anchor="middle" class="small">${
                xml(shortName(who, 16))
              }</text>`
              : ""
          }</g>`,
          arrow("P", e.name, [P_X + R, middle, X_X - R - 4, middle], e.inRate),
        );
      }
      parts.push(
        `<g class="exchange" data-name="${xml(e.name)}" data-type="${xml(e.type)}"><title>${
          xml(
            `${e.name} (${e.type}${e.durable ? ", durable" : ""}${
              e.autoDelete ? ", auto-delete" : ""
            })`,
          )
        }</title>${circle(X_X, middle, "X", "#69c")}` +
          `<text x="${X_X}" y="${middle - R - 8}" text-anchor="middle" class="name">${
            xml(shortName(e.name))
          }</text>` +
          `<text x="${X_X}" y="${middle + R + 15}" text-anchor="middle" class="small">type=${
            xml(e.type)
          }</text></g>`,
      );
    } else if (band.queues[0]?.direct) {
      const q = band.queues[0];
      parts.push(
        `<g class="producer" data-to="${xml(q.name)}"><title>producers sending to "${
          xml(q.name)
        }" through the default exchange</title>${circle(P_X, middle, "P", "#9cf")}</g>`,
        arrow("P", q.name, [P_X + R, middle, Q_LEFT - 4, middle], q.inRate),
      );
    }
    for (const q of band.queues) {
      const qy = queueY.get(q.name)!;
      for (const b of q.bindings) {
        const from = exchangeY.get(b.exchange);
        if (from === undefined) continue;
        const keys = b.keys.filter((key) => key !== "").join(", ");
        parts.push(
          arrow(
            b.exchange,
            q.name,
            [X_X + R, from, Q_LEFT - 4, qy],
            bindingRate(q),
            keys,
            band.queues.length > CROWDED, // many arrows start together: each key by its queue
          ),
        );
      }
      parts.push(queueBox(q, qy));
      q.consumers.forEach((c, i) => {
        const cy = qy - (rows(q) * ROW) / 2 + (i + 0.5) * ROW;
        consumerNumber++;
        parts.push(
          arrow(q.name, c.tag, [Q_LEFT + Q_WIDTH, qy, C_X - R - 4, cy], c.rate),
          `<g class="consumer" data-queue="${xml(q.name)}" data-connection="${
            xml(c.connection)
          }" data-prefetch="${c.prefetch}"><title>${xml(`${c.tag} on "${c.connection}"`)}</title>${
            circle(C_X, cy, `C${consumerNumber}`, "#9d9")
          }<text x="${C_X + R + 8}" y="${cy - 2}" class="name">${
            xml(shortName(c.connection, 26))
          }</text><text x="${C_X + R + 8}" y="${cy + 13}" class="small">${
            xml(consumerTerms(c))
          }</text></g>`,
        );
      });
      if (q.otherConsumers > 0) {
        const cy = qy + (rows(q) * ROW) / 2 - ROW / 2;
        parts.push(
          arrow(q.name, "others", [Q_LEFT + Q_WIDTH, qy, C_X - R - 4, cy], undefined),
          `<g class="consumer others" data-queue="${
            xml(q.name)
          }" data-count="${q.otherConsumers}">` +
            `<circle cx="${C_X}" cy="${cy}" r="${R}" fill="#eee" stroke="#888" stroke-dasharray="4 3"/>` +
            `<text x="${C_X}" y="${
              cy + 5
            }" text-anchor="middle" class="letter">+${q.otherConsumers}</text>` +
            `<text x="${C_X + R + 8}" y="${cy - 2}" class="name">other users' consumers</text>` +
            `<text x="${C_X + R + 8}" y="${
              cy + 13
            }" class="small">the "monitoring" tag shows them</text></g>`,
        );
      }
    }
  }
  if (layout.length === 0) {
    return `<p class="empty">Nothing to draw in vhost "${xml(t.vhost)}"${
      t.filter ? ` matching "${xml(t.filter)}"` : ""
    }: no queues, and no exchange in use.</p>`;
  }
  const height = y;
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label="The vhost's exchanges, queues and consumers; the same as text below">` +
    `<style>text{font:13px sans-serif;fill:#222}.letter{font-weight:bold;font-size:15px}.name{font-weight:bold}.small{font-size:11px;fill:#444}.busy{fill:#161}.flags{font-size:10px;fill:#777}.key{font:italic 12px sans-serif;fill:#05a}</style>` +
    `<defs><marker id="head" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#333"/></marker></defs>` +
    parts.join("") + "</svg>";
}
