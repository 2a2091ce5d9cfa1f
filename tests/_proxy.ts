/**
 * A TCP proxy between a program and the broker, for tests that must see
 * what goes over the wire: whether the program closed its AMQP connection
 * cleanly (sent Connection.Close) before its socket went, a broker that
 * stops answering (the proxy stops forwarding), and a broker slow to close
 * (the proxy holds its Close-Ok until released).
 */
import { urlParts } from "../lib/url.ts";

/** A running proxy; held with `using`, it is closed at scope exit. */
export interface Proxy extends Disposable {
  /** The broker URL with the proxy's port instead of the broker's. */
  url: string;
  /** How many AMQP Connection.Close frames clients sent through the proxy. */
  connectionCloses(): number;
  /** How many client connections the proxy accepted. */
  connections(): number;
  /** Resolves when a client sends the first Connection.Close. */
  closeSent: Promise<void>;
  /** Stop forwarding in both directions: the broker seems to hang. */
  freeze(): void;
  /**
   * From the client's Connection.Close on, hold what the broker sends (its
   * Close-Ok) until {@link release}: the client is still closing.
   */
  holdCloseOk(): void;
  /** Forward what was held, and from now on everything. */
  release(): void;
}

/**
 * An AMQP method frame on channel 0 carrying Connection.Close (class 10,
 * method 50): frame type 1, channel 0, a 4-byte size, then class and method.
 */
function hasConnectionClose(bytes: Uint8Array): boolean {
  for (let i = 0; i + 11 <= bytes.length; i++) {
    if (
      bytes[i] === 1 && bytes[i + 1] === 0 && bytes[i + 2] === 0 &&
      bytes[i + 7] === 0 && bytes[i + 8] === 10 && bytes[i + 9] === 0 && bytes[i + 10] === 50
    ) return true;
  }
  return false;
}

/** Starts a proxy on a free local port in front of the broker at `brokerUrl`. */
export function startProxy(brokerUrl: string): Proxy {
  const { host, port } = urlParts(brokerUrl);
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const sockets = new Set<Deno.Conn>();
  let closes = 0;
  let accepted = 0;
  let frozen = false;
  const closeSent = Promise.withResolvers<void>();
  let holdCloseOk = false;
  let held: Promise<void> | undefined; // while the broker's bytes are held: resolves on release
  let releaseHeld = () => {};

  const pipe = async (from: Deno.Conn, to: Deno.Conn, fromClient: boolean) => {
    const buffer = new Uint8Array(64 * 1024);
    let tail = new Uint8Array(0); // a frame header split over two reads
    try {
      while (true) {
        const n = await from.read(buffer);
        if (n === null) break;
        if (frozen) continue;
        const chunk = buffer.subarray(0, n);
        if (fromClient) {
          const joined = new Uint8Array(tail.length + n);
          joined.set(tail);
          joined.set(chunk, tail.length);
          if (hasConnectionClose(joined)) {
            if (holdCloseOk) held ??= new Promise((resolve) => releaseHeld = resolve);
            if (closes++ === 0) closeSent.resolve();
          }
          tail = joined.slice(-10);
        } else {
          while (held) await held;
        }
        let written = 0;
        while (written < n) written += await to.write(chunk.subarray(written));
      }
    } catch {
      // one side went away
    }
    for (const socket of [from, to]) {
      try {
        socket.close();
      } catch {
        // closed already
      }
      sockets.delete(socket);
    }
  };

  (async () => {
    try {
      for await (const client of listener) {
        accepted++;
        const broker = await Deno.connect({ hostname: host, port });
        sockets.add(client).add(broker);
        pipe(client, broker, true);
        pipe(broker, client, false);
      }
    } catch {
      // listener closed
    }
  })();

  const url = new URL(brokerUrl);
  url.hostname = "127.0.0.1";
  url.port = String((listener.addr as Deno.NetAddr).port);
  // Closes the proxy and every connection through it.
  const close = () => {
    listener.close();
    for (const socket of sockets) {
      try {
        socket.close();
      } catch {
        // closed already
      }
    }
  };
  return {
    url: url.href,
    connectionCloses: () => closes,
    connections: () => accepted,
    closeSent: closeSent.promise,
    freeze: () => frozen = true,
    holdCloseOk: () => holdCloseOk = true,
    release: () => {
      holdCloseOk = false;
      held = undefined;
      releaseHeld();
    },
    [Symbol.dispose]: close,
  };
}
