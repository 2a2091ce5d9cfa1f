/**
 * Serving the web monitor with Deno's own HTTP server (`Deno.serve`): the
 * page at `/`, the view it fetches at `/view`, nothing else. GET only: the
 * page reads, it never changes the broker, and it holds no password (the
 * monitor's own login to the API stays in this process).
 *
 * @module
 */
import { ProgramError } from "../program_error.ts";
import { pageHtml, problemHtml, viewHtml } from "./page.ts";
import type { Topology } from "./topology.ts";

/** Options for {@link serveMonitor}. */
export interface ServeOptions {
  /** The address to listen on: 127.0.0.1 unless told otherwise. */
  hostname: string;
  /** The port; 0 for any free one. */
  port: number;
  vhost: string;
  /** How often the page asks for the view again, in seconds. */
  refreshSeconds: number;
  /** Reads the vhost, filtered. */
  read: (filter: string) => Promise<Topology>;
  /** Called once the server listens, with its address. */
  onListen: (address: { hostname: string; port: number }) => void;
}

/** The view, or the API's one sentence when it fails (the broker restarting, say). */
async function view(read: ServeOptions["read"], filter: string): Promise<string> {
  try {
    return viewHtml(await read(filter));
  } catch (error) {
    if (error instanceof ProgramError) return problemHtml(error.message);
    throw error;
  }
}

const HTML = {
  "content-type": "text/html; charset=utf-8",
  "cache-control": "no-store",
  // The page runs its own inline script and fetches from here only.
  "content-security-policy":
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'",
};

/**
 * Serves the monitor until `signal` aborts; resolves with the server, whose
 * `finished` resolves once it has stopped.
 */
export function serveMonitor(options: ServeOptions, signal?: AbortSignal): Deno.HttpServer {
  return Deno.serve({
    hostname: options.hostname,
    port: options.port,
    signal,
    onListen: options.onListen,
  }, async (request) => {
    if (request.method !== "GET" && request.method !== "HEAD") {
      return new Response("This page only reads.\n", { status: 405, headers: { allow: "GET" } });
    }
    const url = new URL(request.url);
    const filter = url.searchParams.get("filter") ?? "";
    if (url.pathname === "/") {
      const page = pageHtml(await view(options.read, filter), {
        vhost: options.vhost,
        refreshSeconds: options.refreshSeconds,
        filter,
      });
      return new Response(page, { headers: HTML });
    }
    if (url.pathname === "/view") {
      return new Response(await view(options.read, filter), { headers: HTML });
    }
    return new Response("Not found: the page is at /\n", { status: 404 });
  });
}
