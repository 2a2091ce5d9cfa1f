/**
 * A headless Chromium (Debian's `chromium`) driven over the DevTools
 * protocol directly, a WebSocket per page: open a page, read its DOM with
 * a script, take a PNG screenshot. For the web monitor's test and the
 * screenshot tool; no npm package, no browser download.
 *
 * @module
 */

import { ProgramError } from "../../lib/program_error.ts";

/** The command that runs Chromium: $CHROMIUM, else Debian's `chromium`. */
const CHROMIUM = Deno.env.get("CHROMIUM") ?? "chromium";

/** How long Chromium and the page have to answer. */
const TIMEOUT_MS = 30_000;

/** A page of the browser, driven by DevTools protocol commands. */
export class Page {
  readonly #socket: WebSocket;
  #next = 1;
  readonly #pending = new Map<
    number,
    { resolve: (value: unknown) => void; reject: (error: Error) => void }
  >();

  private constructor(socket: WebSocket) {
    this.#socket = socket;
    socket.onmessage = (event) => {
      const message = JSON.parse(event.data);
      const waiting = this.#pending.get(message.id);
      if (!waiting) return; // an event: not listened to
      this.#pending.delete(message.id);
      if (message.error) waiting.reject(new Error(`DevTools: ${message.error.message}`));
      else waiting.resolve(message.result);
    };
    socket.onclose = () => {
      for (const waiting of this.#pending.values()) {
        waiting.reject(new Error("DevTools: the page's connection closed"));
      }
      this.#pending.clear();
    };
  }

  /** Connects to a page's DevTools WebSocket. */
  static async open(webSocketUrl: string): Promise<Page> {
    const socket = new WebSocket(webSocketUrl);
    await new Promise((resolve, reject) => {
      socket.onopen = resolve;
      socket.onerror = () => reject(new Error(`Cannot connect to Chromium at ${webSocketUrl}`));
    });
    return new Page(socket);
  }

  /** Sends a DevTools command, e.g. `Page.navigate`, and resolves with its result. */
  send<T = Record<string, unknown>>(method: string, params: Record<string, unknown> = {}) {
    const id = this.#next++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`DevTools: no answer to ${method} in ${TIMEOUT_MS / 1000} s`)),
        TIMEOUT_MS,
      );
      this.#pending.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value as T);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.#socket.send(JSON.stringify({ id, method, params }));
    });
  }

  /** The value of a JavaScript expression in the page (JSON values only). */
  async evaluate<T>(expression: string): Promise<T> {
    const { result, exceptionDetails } = await this.send<{
      result: { value: T };
      exceptionDetails?: { text: string; exception?: { description?: string } };
    }>("Runtime.evaluate", { expression, returnByValue: true, awaitPromise: true });
    if (exceptionDetails) {
      throw new Error(
        `In the page: ${exceptionDetails.exception?.description ?? exceptionDetails.text}`,
      );
    }
    return result.value;
  }

  /** Opens `url` in a viewport `width` × `height` and waits until the document has loaded. */
  async goto(url: string, width = 1280, height = 800): Promise<void> {
    await this.send("Emulation.setDeviceMetricsOverride", {
      width,
      height,
      deviceScaleFactor: 1,
      mobile: false,
    });
    await this.send("Page.navigate", { url });
    const deadline = Date.now() + TIMEOUT_MS;
    while (await this.evaluate<string>("document.readyState") !== "complete") {
      if (Date.now() > deadline) throw new Error(`The page at ${url} did not load`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /**
   * Writes a PNG to `path`: of the element `selector` matches, with a margin,
   * else of the whole page (beyond the viewport too).
   */
  async screenshot(path: string, selector?: string): Promise<void> {
    const box = await this.evaluate<{ x: number; y: number; width: number; height: number }>(
      selector === undefined
        ? `({ x: 0, y: 0, width: document.documentElement.scrollWidth,
             height: document.documentElement.scrollHeight })`
        : `(() => {
            const r = document.querySelector(${JSON.stringify(selector)}).getBoundingClientRect();
            const m = 8;
            return { x: Math.max(0, r.x + scrollX - m), y: Math.max(0, r.y + scrollY - m),
                     width: r.width + 2 * m, height: r.height + 2 * m };
          })()`,
    );
    const { data } = await this.send<{ data: string }>("Page.captureScreenshot", {
      format: "png",
      captureBeyondViewport: true,
      clip: { ...box, scale: 1 },
    });
    await Deno.writeFile(path, Uint8Array.from(atob(data), (c) => c.charCodeAt(0)));
  }

  close(): void {
    this.#socket.close();
  }
}

/** A headless Chromium of its own (its own profile folder), stopped at scope exit. */
export class HeadlessChromium implements AsyncDisposable {
  readonly #child: Deno.ChildProcess;
  readonly #profile: string;
  readonly #devtools: string;
  readonly #pages: Page[] = [];

  private constructor(child: Deno.ChildProcess, profile: string, devtools: string) {
    this.#child = child;
    this.#profile = profile;
    this.#devtools = devtools;
  }

  /** Starts Chromium headless, its DevTools on a free port; throws one sentence if it cannot. */
  static async launch(): Promise<HeadlessChromium> {
    const profile = await Deno.makeTempDir({ prefix: "chromium-profile-" });
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command(CHROMIUM, {
        args: [
          "--headless",
          "--remote-debugging-port=0",
          `--user-data-dir=${profile}`,
          "--no-first-run",
          "--no-default-browser-check",
          "--disable-gpu",
          "--hide-scrollbars",
          // Chromium's sandbox refuses to run as root (CI runs as root).
          ...(Deno.uid() === 0 ? ["--no-sandbox"] : []),
          "about:blank",
        ],
        stdin: "null",
        stdout: "null",
        stderr: "piped",
      }).spawn();
    } catch (error) {
      await Deno.remove(profile, { recursive: true });
      if (error instanceof Deno.errors.NotFound) {
        throw new ProgramError(
          `"${CHROMIUM}" is not installed: apt-get install chromium (or set CHROMIUM)`,
        );
      }
      throw error;
    }
    // Chromium says where its DevTools listen on stderr; the rest of stderr is read and dropped.
    const lines = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
    let seen = "";
    const timer = setTimeout(() => lines.cancel(), TIMEOUT_MS);
    while (true) {
      const { value, done } = await lines.read();
      if (done) break;
      seen += value;
      if (/DevTools listening on ws:\/\/[^/]+\//.test(seen)) break;
    }
    clearTimeout(timer);
    const found = seen.match(/DevTools listening on ws:\/\/([^/\s]+)\//);
    if (!found) {
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
      await child.status;
      await Deno.remove(profile, { recursive: true });
      throw new Error(`Chromium did not start its DevTools: ${seen.slice(-400)}`);
    }
    (async () => {
      try {
        while (!(await lines.read()).done) { /* drained */ }
      } catch { /* cancelled */ }
    })();
    return new HeadlessChromium(child, profile, `http://${found[1]}`);
  }

  /** A new tab, driven over its own DevTools WebSocket. */
  async newPage(): Promise<Page> {
    const response = await fetch(`${this.#devtools}/json/new?about:blank`, { method: "PUT" });
    const { webSocketDebuggerUrl } = await response.json();
    const page = await Page.open(webSocketDebuggerUrl);
    this.#pages.push(page);
    return page;
  }

  /** Closes the pages, stops Chromium and removes its profile. */
  async close(): Promise<void> {
    for (const page of this.#pages) page.close();
    try {
      this.#child.kill("SIGTERM");
    } catch { /* already gone */ }
    await this.#child.status;
    await Deno.remove(this.#profile, { recursive: true });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
