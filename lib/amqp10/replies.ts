/**
 * Where RPC replies come back over AMQP 1.0. On RabbitMQ 4.2 and later:
 * Direct Reply-To, a receiver attached with a "dynamic" source and the
 * capability `rabbitmq:volatile-queue`; the broker makes up its address
 * (`/queues/amq.rabbitmq.reply-to.…`) and hands replies straight to the
 * link, settled, with no queue at all (at most once: a reply with no credit
 * to take it is dropped). RabbitMQ 4.0 and 4.1 refuse a dynamic source, so
 * there, as with `queue: true`, the replies go to an exclusive queue of our
 * own, declared through the management node, deleted when we disconnect.
 *
 * @module
 */
import { type Connection, openReceiver, type Receiver } from "./connection.ts";
import { generatedQueueName, openManagement, queueAddress } from "./management.ts";

/** Replies one requester may be sent ahead: its link credit. */
const REPLY_CREDIT = 10;

/** Whether the broker of a connection has Direct Reply-To for AMQP 1.0 (RabbitMQ 4.2+). */
export function hasDirectReplyTo(connection: Connection): boolean {
  const [major, minor] = String(connection.properties?.version ?? "0.0").split(".").map(Number);
  return major > 4 || (major === 4 && minor >= 2);
}

/**
 * Attaches the receiver for replies; resolves with it and the address to
 * put in each request's `reply-to`.
 *
 * @example
 * ```ts
 * const { receiver, address } = await openReplies(connection);
 * ```
 */
export async function openReplies(
  connection: Connection,
  options: { queue?: boolean } = {},
): Promise<{ receiver: Receiver; address: string }> {
  if (!options.queue && hasDirectReplyTo(connection)) {
    const receiver = await openReceiver(connection, {
      address: undefined as unknown as string, // none: the broker makes one up
      dynamic: true,
      expiry_policy: "link-detach",
      capabilities: ["rabbitmq:volatile-queue"],
    }, { snd_settle_mode: 1, credit_window: REPLY_CREDIT });
    return { receiver, address: (receiver.source as { address: string }).address };
  }
  const management = await openManagement(connection);
  const queue = generatedQueueName();
  await management.declareQueue(queue, { exclusive: true });
  const receiver = await openReceiver(connection, queueAddress(queue), {
    autoaccept: true,
    credit_window: REPLY_CREDIT,
  });
  return { receiver, address: queueAddress(queue) };
}
