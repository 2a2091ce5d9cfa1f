/**
 * The web monitor's page: one HTML document with the picture, a filter and
 * the text view, and a few lines of script that fetch the view again every
 * few seconds (no build step, no library in the browser).
 *
 * @module
 */
import { topologySvg, xml } from "./svg.ts";
import { freshness, heading, topologyHtmlList } from "./text.ts";
import type { Topology } from "./topology.ts";

/** The part of the page that is fetched again: the freshness, the picture, the text view. */
export function viewHtml(t: Topology): string {
  const producers = t.producers.length > 0
    ? `<p class="producers">Publishing now: ${
      t.producers.map((p) => `<b>${xml(p)}</b>`).join(", ")
    }${
      t.ratesMode === "detailed"
        ? ""
        : " (which exchange each publishes to, the management API says only with rates_mode detailed)"
    }</p>`
    : "";
  return `<p class="heading">${xml(heading(t))}</p><p id="fresh" data-time="${t.time}">${
    xml(freshness(t))
  }</p>${producers}<div class="picture">${topologySvg(t)}</div>` +
    `<h2>As text</h2><div id="text">${topologyHtmlList(t)}</div>`;
}

/** The view when the API does not answer: its one sentence. */
export function problemHtml(sentence: string): string {
  return `<p class="problem" role="alert">${xml(sentence)}</p>`;
}

/** The whole page, with the first view in it; the script asks `/view` every `refreshSeconds`. */
export function pageHtml(
  view: string,
  options: { vhost: string; refreshSeconds: number; filter: string },
): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>RabbitMQ vhost "${xml(options.vhost)}": the tutorials' picture</title>
<style>
body { font: 14px sans-serif; margin: 1em 2em; color: #222; }
h1 { font-size: 20px; margin: 0 0 .3em; }
h2 { font-size: 16px; margin: 1.2em 0 .3em; }
.heading { font-weight: bold; margin: .2em 0; }
#fresh, .producers, .hint { color: #555; margin: .2em 0; }
.picture { display: inline-block; max-width: 100%; overflow: auto; max-height: 75vh; border: 1px solid #ddd; margin-top: .5em; }
.problem { color: #b00; font-weight: bold; }
#text ul { margin: .2em 0; }
</style>
</head>
<body>
<h1>What the broker holds, drawn as the tutorials draw it</h1>
<p class="hint">Producers (P) publish to exchanges (X); bindings route messages into queues;
consumers (C) take them. Read-only: this page changes nothing on the broker.</p>
<p><label>Filter: <input id="filter" type="search" value="${
    xml(options.filter)
  }" placeholder="part of a name"></label></p>
<div id="view">${view}</div>
<script>
const filter = document.getElementById("filter");
async function refresh() {
  const query = filter.value ? "?filter=" + encodeURIComponent(filter.value) : "";
  try {
    const response = await fetch("/view" + query, { cache: "no-store" });
    document.getElementById("view").innerHTML = await response.text();
  } catch {
    document.getElementById("view").innerHTML =
      '<p class="problem" role="alert">The monitor does not answer: was it stopped?</p>';
  }
}
let typing;
filter.addEventListener("input", () => {
  clearTimeout(typing);
  typing = setTimeout(() => {
    history.replaceState(null, "", filter.value ? "?filter=" + encodeURIComponent(filter.value) : "/");
    refresh();
  }, 300);
});
setInterval(refresh, ${options.refreshSeconds * 1000});
</script>
</body>
</html>
`;
}
