/**
 * AMQP 1.0 with rhea, as promises: a connection to RabbitMQ 4.x opened from
 * an AMQP URL (its user, password, vhost and TLS parameters), links (a
 * sender, a receiver) attached to v2 addresses such as `/queues/hello`, a
 * publish that resolves with the broker's outcome, and a clean close. An
 * error becomes one sentence ({@link ProgramError}); a socket error stays
 * as it is, so that a list of brokers moves on to the next one.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import rhea, {
  type AmqpError,
  type Connection,
  type ConnectionOptions,
  type EventContext,
  type Message,
  type Receiver,
  type ReceiverOptions,
  type Sender,
  type Source,
} from "rhea";
import { programName } from "../_util.ts";
import { brokerVersion } from "../broker_version.ts";
import { ProgramError } from "../program_error.ts";
import { tlsSocketOptions } from "../tls.ts";
import { maskUrl, urlParts } from "../url.ts";
import {
  describeCondition,
  loginRefused,
  needsRabbitmq4,
  notAmqp,
  type Outcome,
  vhostRefused,
} from "./errors.ts";

export type { Outcome };

export type { Connection, Message, Receiver, Sender };

/** How long opening a connection, a link or a management request may take. */
export const TIMEOUT_MS = 10_000;

/** The AMQP 0-9-1 sibling of the running program: "send" for scripts/amqp10/send.ts. */
function siblingName(): string {
  return programName().replace(/^amqp10\//, "");
}

/**
 * rhea's options for the broker at an AMQP URL: host and port (5672, or 5671
 * for amqps), the user and password for SASL PLAIN (guest/guest when the URL
 * has none), the vhost as RabbitMQ wants it in the `open` frame
 * (`vhost:NAME`), TLS with the URL's `cacertfile`, `certfile` and `keyfile`
 * (a missing file is a {@link ProgramError}), and SASL EXTERNAL for
 * `auth_mechanism=external`. rhea's own reconnect is off: consumers
 * reconnect themselves (lib/amqp10/receiver.ts), declaring their queues again.
 *
 * @example
 * ```ts
 * connectionOptions("amqp://bob:secret@localhost/shop").hostname; // "vhost:shop"
 * ```
 */
export function connectionOptions(url: string, name = programName()): ConnectionOptions {
  const parsed = new URL(url);
  const { host, port, user, vhost } = urlParts(url);
  const password = parsed.password ? decodeURIComponent(parsed.password) : "guest";
  const common = {
    host,
    port,
    hostname: `vhost:${vhost}`,
    container_id: `${name}-${crypto.randomUUID().slice(0, 8)}`,
    properties: { connection_name: name },
    reconnect: false,
    idle_time_out: 60_000,
  };
  // Read even for amqp://, as the AMQP 0-9-1 programs do: a file given but missing is an error.
  const { ca, cert, key } = tlsSocketOptions(url);
  if (parsed.protocol !== "amqps:") return { ...common, username: user, password };
  const external = parsed.searchParams.get("auth_mechanism")?.toLowerCase() === "external";
  return {
    ...common,
    ...(external ? { enable_sasl_external: true } : { username: user, password }),
    transport: "tls",
    servername: host,
    ...(ca ? { ca: ca as Buffer } : {}),
    ...(cert ? { cert: cert as Buffer } : {}),
    ...(key ? { key: key as Buffer } : {}),
  };
}

/** Rejects when the connection is lost or closed by the broker: what every wait races with. */
const lost = new WeakMap<Connection, Promise<never>>();

/** Why a connection ended: the broker's condition as a sentence, else the socket's error. */
function endError(context: EventContext, url: string): Error {
  const error = context.connection.error as AmqpError | undefined;
  if (error?.condition) return new ProgramError(describeCondition(error, { url }));
  return context.error ?? new ProgramError(notAmqp(url));
}

/**
 * Opens an AMQP 1.0 connection to the broker at `url` (RabbitMQ 4.0 or
 * later) and resolves once the broker has answered `open`. Throws a
 * {@link ProgramError} for a refused login or vhost, a broker without AMQP
 * 1.0 v2 addresses (naming its version), or a TLS file that cannot be read;
 * a socket error (no broker, host not found, a certificate not trusted) as
 * the socket gives it.
 *
 * @example
 * ```ts
 * const connection = await connectFirst(brokers, connect);
 * ```
 */
export function connect(url: string): Promise<Connection> {
  const options = connectionOptions(url);
  return new Promise((resolve, reject) => {
    const connection = rhea.create_container().connect(options);
    let answered: "amqp 0-9-1" | "not amqp" | undefined; // what answered, if not AMQP 1.0
    let done = false;
    const fail = (error: Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      connection.close();
      reject(error);
    };
    const timer = setTimeout(() => {
      const { host, port } = urlParts(url);
      const error = new Error(`connect ETIMEDOUT ${host}:${port}`);
      fail(Object.assign(error, { code: "ETIMEDOUT" }));
      connection.socket?.destroy();
    }, TIMEOUT_MS);
    connection.on("protocol_error", (error: Error) => {
      answered = /0-9-1/.test(error.message) ? "amqp 0-9-1" : "not amqp";
    });
    // An exception in an event handler of ours (rhea catches it): the program's own bug, reported.
    connection.on("error", (error: Error) => done ? reportError(error) : undefined);
    // A link the broker detaches with an error once attached (its queue was deleted, say): the
    // sentence, unless the link's owner listens itself (rhea passes events up to the connection).
    for (const kind of ["sender", "receiver"] as const) {
      connection.on(`${kind}_error`, (context: EventContext) => {
        if (closing.has(connection)) return;
        const link = (context.sender ?? context.receiver)!;
        const terminus = (kind === "sender" ? link.target : link.source) as { address?: string };
        const place = { url, address: terminus?.address, sender: kind === "sender" };
        reportError(new ProgramError(describeCondition(link.error as AmqpError, place)));
      });
    }
    connection.on("connection_error", (context) => {
      // A refused SASL login comes as the context's error, not the connection's.
      const error = (context.error ?? context.connection.error) as AmqpError | undefined;
      if (!done && error?.condition === "amqp:unauthorized-access" && !saslSucceeded(connection)) {
        return fail(new ProgramError(loginRefused(url)));
      }
      if (!done) fail(endError(context, url));
    });
    connection.on("disconnected", async (context) => {
      if (done) return;
      if (answered === "amqp 0-9-1") {
        // RabbitMQ 3.x without the AMQP 1.0 plugin answers with the AMQP 0-9-1 header: ask it
        // its version over AMQP 0-9-1, for the sentence. A login or vhost it refuses there is
        // the first thing to fix: that error, as it comes.
        try {
          const version = await brokerVersion(url);
          return fail(new ProgramError(needsRabbitmq4(url, version, siblingName())));
        } catch (error) {
          return fail(error as Error);
        }
      }
      // RabbitMQ 4.x resets a connection whose vhost it refuses, once the login has succeeded.
      if (saslSucceeded(connection)) return fail(new ProgramError(vhostRefused(url)));
      // Closed without an AMQP word, or answered in another protocol (an HTTP server, say).
      if (answered === "not amqp" || !context.error) return fail(new ProgramError(notAmqp(url)));
      fail(context.error);
    });
    connection.once("connection_open", () => {
      if (done) return;
      const version = connection.properties?.version as string | undefined;
      if (!/^[4-9]\.|^\d{2,}\./.test(version ?? "")) {
        // RabbitMQ 3.x with its AMQP 1.0 plugin opens the connection, but has no v2 addresses.
        return fail(new ProgramError(needsRabbitmq4(url, version, siblingName())));
      }
      done = true;
      clearTimeout(timer);
      lost.set(connection, lostPromise(connection, url));
      urls.set(connection, url);
      links.set(connection, new Set());
      resolve(connection);
    });
  });
}

/**
 * Whether the SASL handshake succeeded: rhea marks its SASL layer complete
 * then, and exposes no event for it (rhea 3's `sasl_transport`).
 */
function saslSucceeded(connection: Connection): boolean {
  const sasl =
    (connection as unknown as { sasl_transport?: { transport?: { read_complete?: boolean } } })
      .sasl_transport;
  return sasl?.transport?.read_complete === true;
}

function lostPromise(connection: Connection, url: string): Promise<never> {
  const promise = new Promise<never>((_, reject) => {
    const end = (context: EventContext) => {
      if (closing.has(connection)) return;
      const error = (context.session?.error ?? context.connection.error) as AmqpError | undefined;
      const cause = error?.condition ? describeCondition(error, { url }) : undefined;
      reject(
        new ProgramError(
          cause ??
            `Lost the connection to "${maskUrl(url)}" (${
              context.error?.message ?? "closed"
            }); check that the broker is still running`,
        ),
      );
    };
    connection.on("disconnected", end);
    connection.on("connection_close", end);
    connection.on("session_error", end);
  });
  promise.catch(() => {}); // rejected whether or not anyone waits
  return promise;
}

/** Resolves like `promise`, or rejects when the connection is lost first. */
export function unlessLost<T>(connection: Connection, promise: Promise<T>): Promise<T> {
  return Promise.race([promise, lost.get(connection) ?? promise]);
}

/** The links attached on each connection, for {@link close}. */
const links = new WeakMap<Connection, Set<Sender | Receiver>>();

/** Connections being closed on purpose: their end is no failure. */
const closing = new WeakSet<Connection>();

/**
 * Detaches every link of the connection, then closes the connection and
 * waits for the broker's `close` (or the socket's end): what Ctrl+C does.
 *
 * @example
 * ```ts
 * await close(connection);
 * ```
 */
export async function close(connection: Connection): Promise<void> {
  if (closing.has(connection) || !connection.is_open()) return;
  closing.add(connection);
  const closed = new Promise<void>((resolve) => {
    connection.once("connection_close", () => resolve());
    connection.once("disconnected", () => resolve());
  });
  // Our own list: rhea keeps links by name, and the management pair's two links share one.
  for (const link of links.get(connection) ?? []) if (link.is_open()) link.close();
  connection.close();
  await closed;
}

/**
 * Detaches a link (closes it) and waits for the broker's detach: before
 * deleting the queue a link is attached to, say, which would otherwise
 * detach it with an error.
 *
 * @example
 * ```ts
 * await detach(sender);
 * await management.deleteQueue(queue);
 * ```
 */
export function detach(link: Sender | Receiver): Promise<void> {
  const closed = new Promise<void>((resolve) => {
    link.once(link.is_sender() ? "sender_close" : "receiver_close", () => resolve());
  });
  link.close();
  return unlessLost(link.connection, withTimeout(closed, "to a detach"));
}

/** Options for {@link openReceiver}: rhea's, with the defaults of this project's programs. */
export type ReceiverSettings = Omit<ReceiverOptions, "source">;

/** A receiver's source: a v2 address such as `/queues/hello`, or the terminus in full. */
export type ReceiverSource = string | Source;

/** Waits for a link to attach; a refusal becomes the sentence naming its address. */
export function attached<T extends Sender | Receiver>(
  connection: Connection,
  link: T,
  address: string | null,
): Promise<T> {
  const url = urlOf(connection);
  const kind = link.is_sender() ? "sender" : "receiver";
  links.get(connection)?.add(link);
  const opened = new Promise<T>((resolve, reject) => {
    // Listeners for the attach only: later errors on the link go to whoever listens then.
    const onOpen = () => {
      // A broker that cannot attach answers with no terminus, then detaches with the error.
      if (absent(link.is_sender() ? link.target : link.source)) return;
      link.removeListener(`${kind}_error`, onError);
      link.removeListener(`${kind}_open`, onOpen);
      resolve(link);
    };
    const onError = (context: EventContext) => {
      link.removeListener(`${kind}_open`, onOpen);
      const error = (context.sender ?? context.receiver)?.error as AmqpError;
      reject(
        new ProgramError(describeCondition(error, { url, address: address ?? undefined })),
      );
    };
    link.on(`${kind}_open`, onOpen);
    link.once(`${kind}_error`, onError);
  });
  return unlessLost(connection, withTimeout(opened, `attaching a ${kind} to ${address}`));
}

/** Whether an attach carried no terminus: null, or rhea's typed null. */
function absent(terminus: unknown): boolean {
  return terminus == null || (terminus as { value?: unknown }).value === null;
}

/** Resolves like `promise`, or rejects with a sentence after {@link TIMEOUT_MS} ("No answer ... `what`"). */
export function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(new ProgramError(`No answer from the broker within ${TIMEOUT_MS / 1000} s ${what}`)),
      TIMEOUT_MS,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The URL a connection was opened with, for the sentences of its links. */
const urls = new WeakMap<Connection, string>();

/** The URL the connection was opened with (by {@link connect}). */
export function urlOf(connection: Connection): string {
  return urls.get(connection) ?? "amqp://localhost";
}

/**
 * Attaches a sender (a link to send on) to a v2 target address:
 * `/queues/NAME`, `/exchanges/NAME`, `/exchanges/NAME/KEY`, or `null` for
 * the anonymous terminus, where each message's `to` says where it goes. A
 * missing queue or exchange is refused with `amqp:not-found`.
 *
 * @example
 * ```ts
 * const sender = await openSender(connection, "/queues/hello");
 * ```
 */
export function openSender(connection: Connection, address: string | null): Promise<Sender> {
  const sender = connection.open_sender({ target: { address: address ?? undefined } });
  return attached(connection, sender, address);
}

/**
 * Attaches a receiver (a link to receive on) to a queue's source address
 * `/queues/NAME` (or to a source given in full, e.g. a dynamic one). Unless `settings` say otherwise, nothing is settled
 * automatically (`autoaccept: false`: the program accepts, releases, rejects
 * or modifies each message) and no credit is granted (`credit_window: 0`:
 * the program calls `receiver.add_credit(n)`).
 *
 * @example
 * ```ts
 * const receiver = await openReceiver(connection, "/queues/task_queue");
 * receiver.add_credit(1);
 * ```
 */
export function openReceiver(
  connection: Connection,
  source: ReceiverSource,
  settings: ReceiverSettings = {},
): Promise<Receiver> {
  const receiver = connection.open_receiver({
    source: typeof source === "string" ? { address: source } : source,
    autoaccept: false,
    credit_window: 0,
    ...settings,
  });
  return attached(connection, receiver, typeof source === "string" ? source : null);
}

/**
 * Sends a message on the sender and resolves with the broker's outcome:
 * `accepted` (every queue it was routed to has it), `rejected` (a queue
 * refused it, e.g. full with `reject-publish`), `released` (no queue got it:
 * unroutable). Waits for credit first when the broker has granted none.
 *
 * @example
 * ```ts
 * const outcome = await publish(sender, { body: rhea.message.data_section(Buffer.from("hi")) });
 * ```
 */
export function publish(sender: Sender, message: Message): Promise<Outcome> {
  const state = publishing(sender);
  return unlessLost(
    sender.connection,
    new Promise<Outcome>((resolve, reject) => {
      const send = () => state.outcomes.set(sender.send(message).id, { resolve, reject });
      if (state.waiting.length === 0 && sender.sendable()) send();
      else state.waiting.push({ send, reject });
    }),
  );
}

/** A sender's publishes waiting for credit, and those waiting for their outcome by delivery id. */
interface Publishing {
  waiting: { send(): void; reject(error: Error): void }[];
  outcomes: Map<number, { resolve(outcome: Outcome): void; reject(error: Error): void }>;
}

const publishes = new WeakMap<Sender, Publishing>();

function publishing(sender: Sender): Publishing {
  let state = publishes.get(sender);
  if (state) return state;
  const created: Publishing = { waiting: [], outcomes: new Map() };
  publishes.set(sender, created);
  // The broker grants a sender credit too: send what waits as long as it lasts.
  sender.on("sendable", () => {
    while (created.waiting.length > 0 && sender.sendable()) created.waiting.shift()!.send();
  });
  for (const outcome of ["accepted", "rejected", "released", "modified"] as const) {
    sender.on(outcome, (context: EventContext) => {
      created.outcomes.get(context.delivery!.id)?.resolve(outcome);
      created.outcomes.delete(context.delivery!.id);
    });
  }
  sender.on("sender_error", (context: EventContext) => {
    const address = (sender.target as { address?: string } | undefined)?.address;
    const error = new ProgramError(
      describeCondition(context.sender!.error as AmqpError, {
        url: urlOf(sender.connection),
        address,
        sender: true,
      }),
    );
    const waiting = [...created.outcomes.values(), ...created.waiting];
    if (waiting.length === 0) reportError(error); // nobody waits: the program's handler says it
    for (const { reject } of waiting) reject(error);
    created.outcomes.clear();
    created.waiting.length = 0;
  });
  state = created;
  return state;
}

/**
 * The text of a message's body: a data section (what AMQP 0-9-1 publishers'
 * messages arrive as, and what this project's programs send), or a string
 * value.
 *
 * @example
 * ```ts
 * receiver.on("message", ({ message }) => console.log(bodyText(message!)));
 * ```
 */
export function bodyText(message: Message): string {
  const body = message.body;
  if (typeof body === "string") return body;
  const content = body?.content ?? body;
  if (content instanceof Uint8Array) return new TextDecoder().decode(content);
  return String(content);
}
