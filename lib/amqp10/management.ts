/**
 * Topology over AMQP 1.0: RabbitMQ 4.x's management node. AMQP 1.0 has no
 * queue.declare or exchange.declare; instead a client attaches a pair of
 * links to the address `/management` and sends HTTP-like requests over them
 * ("HTTP over AMQP"): the method in the message's `subject`, the path in
 * `to` (`/queues/hello`, `/exchanges/logs`, `/bindings`), a JSON-like map as
 * the body; the reply's `subject` is the status code ("200", "201", "204",
 * "409" ...) and its `correlation-id` the request's `message-id`. The calls
 * read like the official AMQP 1.0 clients' `management().declareQueue(...)`.
 *
 * @module
 */
import rhea, { type Connection, type EventContext, type Receiver, type Sender } from "rhea";
import { attached, unlessLost, urlOf, withTimeout } from "./connection.ts";
import { managementRefused } from "./errors.ts";

/** Replies the management receiver may be sent ahead: one per request in flight. */
const REPLY_CREDIT = 100;

/** The v2 address of a queue: `/queues/NAME`, the name percent-encoded. */
export function queueAddress(queue: string): string {
  return `/queues/${encodeURIComponent(queue)}`;
}

/** The v2 address of an exchange, with a routing key for every message sent to it: `/exchanges/NAME/KEY`. */
export function exchangeAddress(exchange: string, routingKey?: string): string {
  const key = routingKey === undefined ? "" : `/${encodeURIComponent(routingKey)}`;
  return `/exchanges/${encodeURIComponent(exchange)}${key}`;
}

/** How to declare a queue (PUT /queues/NAME). */
export interface QueueOptions {
  /** `quorum` (replicated, durable), `classic`, or `stream`; default: the broker's (classic). */
  type?: "quorum" | "classic" | "stream";
  /** Survives a broker restart (default true; a quorum queue must be). */
  durable?: boolean;
  /** Only this connection may use it, and it goes when the connection closes (default false). */
  exclusive?: boolean;
  /** Deleted when its last consumer goes (default false). */
  autoDelete?: boolean;
  /** Queue arguments, e.g. `{ "x-max-length": 10, "x-overflow": "reject-publish" }`. */
  arguments?: Record<string, unknown>;
}

/** How to declare an exchange (PUT /exchanges/NAME). */
export interface ExchangeOptions {
  type: "fanout" | "direct" | "topic" | "headers";
  /** Survives a broker restart (default true). */
  durable?: boolean;
  autoDelete?: boolean;
  arguments?: Record<string, unknown>;
}

/** What the broker says about a queue it declared or was asked about. */
export interface QueueInfo {
  name: string;
  type: string;
  durable: boolean;
  exclusive: boolean;
  autoDelete: boolean;
  messageCount: number;
  consumerCount: number;
}

/** A queue the management node described, as its map has it. */
interface QueueBody {
  name: string;
  type: string;
  durable: number | boolean;
  exclusive: number | boolean;
  auto_delete: number | boolean;
  message_count: number;
  consumer_count: number;
}

/**
 * A client of the management node on one connection (a sender and a
 * receiver paired under one link name).
 *
 * @example
 * ```ts
 * const management = await openManagement(connection);
 * await management.declareQueue("hello", { type: "quorum" });
 * ```
 */
export class Management {
  readonly #connection: Connection;
  readonly #sender: Sender;
  readonly #replies = new Map<string, (reply: { status: string; body: unknown }) => void>();

  private constructor(connection: Connection, sender: Sender, receiver: Receiver) {
    this.#connection = connection;
    this.#sender = sender;
    receiver.on("message", ({ message }: EventContext) => {
      receiver.add_credit(1);
      const id = String(message!.correlation_id);
      this.#replies.get(id)?.({ status: String(message!.subject), body: message!.body });
      this.#replies.delete(id);
    });
  }

  /** Attaches the link pair to `/management` (sender first: rhea names both links alike). */
  static async open(connection: Connection): Promise<Management> {
    const name = `management-${crypto.randomUUID()}`;
    const node = {
      name,
      snd_settle_mode: 1, // requests and replies travel settled
      rcv_settle_mode: 0,
      source: { address: "/management" },
      target: { address: "/management" },
      properties: { paired: true },
    } as const;
    const sender = await attached(connection, connection.open_sender(node), "/management");
    const receiver = connection.open_receiver({ ...node, credit_window: 0 });
    // Credit before the first request: RabbitMQ refuses to reply on a link without credit.
    receiver.add_credit(REPLY_CREDIT);
    await attached(connection, receiver, "/management");
    // rhea 3 keeps a session's links by name, so the receiver has replaced the sender there, and a
    // link it does not hold never gets its detach written: hold the sender under a name of its own.
    const session = (sender as unknown as { session: { links: Record<string, unknown> } }).session;
    session.links[`${name} (sender)`] = sender;
    return new Management(connection, sender, receiver);
  }

  /**
   * Sends one request and resolves with the reply's body; a status of 400
   * or more is thrown as a {@link ProgramError} sentence.
   */
  async request(method: "GET" | "PUT" | "POST" | "DELETE", path: string, body?: unknown) {
    const id = crypto.randomUUID();
    const reply = new Promise<{ status: string; body: unknown }>((resolve) => {
      this.#replies.set(id, resolve);
    });
    this.#sender.send({ message_id: id, to: path, subject: method, reply_to: "$me", body });
    const answered = withTimeout(reply, `to ${method} ${path} (the management node)`)
      .finally(() => this.#replies.delete(id));
    const { status, body: answer } = await unlessLost(this.#connection, answered);
    if (Number(status) >= 400) {
      throw managementRefused(urlOf(this.#connection), method, path, status, String(answer));
    }
    return answer;
  }

  /**
   * Declares a queue (PUT /queues/NAME): creates it, or checks that the one
   * there has the same type and arguments (409 otherwise, as a sentence).
   */
  async declareQueue(name: string, options: QueueOptions = {}): Promise<QueueInfo> {
    const body = await this.request("PUT", queueAddress(name), {
      durable: options.durable ?? true,
      exclusive: options.exclusive ?? false,
      auto_delete: options.autoDelete ?? false,
      arguments: {
        ...options.arguments,
        ...(options.type ? { "x-queue-type": options.type } : {}),
      },
    }) as QueueBody;
    return queueInfo(body);
  }

  /** What the broker says about a queue now (GET /queues/NAME). */
  async queueInfo(name: string): Promise<QueueInfo> {
    return queueInfo(await this.request("GET", queueAddress(name)) as QueueBody);
  }

  /** Deletes a queue (DELETE /queues/NAME); resolves with how many messages it held. */
  async deleteQueue(name: string): Promise<number> {
    const body = await this.request("DELETE", queueAddress(name)) as { message_count: number };
    return body.message_count;
  }

  /** Declares an exchange (PUT /exchanges/NAME). */
  async declareExchange(name: string, options: ExchangeOptions): Promise<void> {
    await this.request("PUT", exchangeAddress(name), {
      type: options.type,
      durable: options.durable ?? true,
      auto_delete: options.autoDelete ?? false,
      arguments: options.arguments ?? {},
    });
  }

  /** Deletes an exchange (DELETE /exchanges/NAME). */
  async deleteExchange(name: string): Promise<void> {
    await this.request("DELETE", exchangeAddress(name));
  }

  /** Binds a queue to an exchange with a binding key (POST /bindings). */
  async bind(binding: { exchange: string; queue: string; key: string }): Promise<void> {
    await this.request("POST", "/bindings", {
      source: binding.exchange,
      destination_queue: binding.queue,
      binding_key: binding.key,
      arguments: {},
    });
  }
}

/**
 * Attaches the management link pair on the connection.
 *
 * @example
 * ```ts
 * const management = await openManagement(connection);
 * ```
 */
export function openManagement(connection: Connection): Promise<Management> {
  return Management.open(connection);
}

/**
 * A queue name of our own making, as the official AMQP 1.0 clients make
 * one (`client.gen-...`): the management node declares only named queues.
 */
export function generatedQueueName(): string {
  return `client.gen-${rhea.generate_uuid()}`;
}

function queueInfo(body: QueueBody): QueueInfo {
  return {
    name: body.name,
    type: body.type,
    durable: Boolean(body.durable),
    exclusive: Boolean(body.exclusive),
    autoDelete: Boolean(body.auto_delete),
    messageCount: body.message_count,
    consumerCount: body.consumer_count,
  };
}
