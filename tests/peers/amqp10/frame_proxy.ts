/**
 * A TCP proxy between an AMQP 1.0 client and the broker that reads the
 * client's frames as they pass: the performatives it sent (open, begin,
 * attach, flow, transfer, disposition, detach, end, close), in order. For
 * tests that must see a clean close on the wire: the program detached its
 * links and sent `close` before its socket went.
 */
import { urlParts } from "../../../lib/url.ts";

/** AMQP 1.0 performatives by descriptor code (the transport section of the spec). */
const PERFORMATIVES: Record<number, string> = {
  0x10: "open",
  0x11: "begin",
  0x12: "attach",
  0x13: "flow",
  0x14: "transfer",
  0x15: "disposition",
  0x16: "detach",
  0x17: "end",
  0x18: "close",
};

/**
 * Reads a byte stream of AMQP 1.0 protocol headers and frames, calling
 * `seen` with each AMQP frame's performative (SASL frames and empty
 * heartbeat frames have none of interest).
 */
export class FrameReader {
  #buffer = new Uint8Array(0);
  constructor(private readonly seen: (performative: string) => void) {}

  push(chunk: Uint8Array): void {
    const joined = new Uint8Array(this.#buffer.length + chunk.length);
    joined.set(this.#buffer);
    joined.set(chunk, this.#buffer.length);
    let at = 0;
    while (joined.length - at >= 8) {
      // A protocol header: "AMQP" and four bytes (SASL: 3 1 0 0; AMQP: 0 1 0 0).
      if (String.fromCharCode(...joined.subarray(at, at + 4)) === "AMQP") {
        at += 8;
        continue;
      }
      const view = new DataView(joined.buffer, joined.byteOffset + at);
      const size = view.getUint32(0);
      if (joined.length - at < size) break;
      const bodyStart = at + joined[at + 4] * 4;
      const type = joined[at + 5]; // 0: AMQP, 1: SASL
      // A described performative: 0x00, then its code as a small ulong (0x53 CODE).
      if (type === 0 && size > bodyStart - at && joined[bodyStart] === 0x00) {
        const code = joined[bodyStart + 1] === 0x53 ? joined[bodyStart + 2] : undefined;
        const name = code === undefined ? undefined : PERFORMATIVES[code];
        if (name) this.seen(name);
      }
      at += size;
    }
    this.#buffer = joined.slice(at);
  }
}

/** Closes every connection given, those closed already too. */
export function closeAll(conns: Iterable<Deno.Conn>): void {
  for (const conn of conns) {
    try {
      conn.close();
    } catch {
      // closed already
    }
  }
}

/** A running proxy. */
export interface FrameProxy {
  /** The broker URL with the proxy's host and port. */
  url: string;
  /** The performatives clients sent, in order, over all their connections. */
  sent: string[];
  /** How many client connections the proxy accepted. */
  connections(): number;
  /** Closes the proxy and every connection through it. */
  close(): void;
}

/** Starts a proxy on a free local port in front of the broker at `brokerUrl`. */
export function startFrameProxy(brokerUrl: string): FrameProxy {
  const { host, port } = urlParts(brokerUrl);
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const open = new Set<Deno.Conn>();
  const sent: string[] = [];
  let accepted = 0;

  const serve = async (client: Deno.Conn) => {
    accepted++;
    const broker = await Deno.connect({ hostname: host, port });
    open.add(client).add(broker);
    const reader = new FrameReader((performative) => sent.push(performative));
    const watched = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        reader.push(chunk);
        controller.enqueue(chunk);
      },
    });
    await Promise.allSettled([
      client.readable.pipeThrough(watched).pipeTo(broker.writable),
      broker.readable.pipeTo(client.writable),
    ]);
    open.delete(client);
    open.delete(broker);
  };

  (async () => {
    try {
      for await (const client of listener) serve(client).catch(() => {});
    } catch {
      // the listener was closed
    }
  })();

  const url = new URL(brokerUrl);
  url.hostname = "127.0.0.1";
  url.port = String((listener.addr as Deno.NetAddr).port);
  return {
    url: url.href,
    sent,
    connections: () => accepted,
    close() {
      listener.close();
      closeAll(open);
    },
  };
}
