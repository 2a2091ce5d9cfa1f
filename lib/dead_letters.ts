/**
 * Where a work queue's failed messages go: a dead-letter exchange, and a
 * queue of the same name bound to it, for the failures track
 * (docs/failures.md).
 *
 * @module
 */
import type { Channel } from "amqplib";

/**
 * Declares the dead letters of a work queue: the durable direct exchange
 * `name`, the durable quorum queue `name`, and the binding between them with
 * `routingKey` (the work queue's `x-dead-letter-routing-key`). A worker
 * declares them with its work queue, so that a dead letter is kept even when
 * no one reads the dead letters yet: the broker drops what it dead-letters
 * to an exchange that does not exist, or that routes it nowhere.
 *
 * @example
 * ```ts
 * await assertDeadLetters(channel, "dead_letters", "failing_tasks");
 * await channel.assertQueue("failing_tasks", {
 *   durable: true,
 *   arguments: {
 *     "x-queue-type": "quorum",
 *     "x-dead-letter-exchange": "dead_letters",
 *     "x-dead-letter-routing-key": "failing_tasks",
 *   },
 * });
 * ```
 */
export async function assertDeadLetters(
  channel: Channel,
  name: string,
  routingKey: string,
): Promise<void> {
  await channel.assertExchange(name, "direct", { durable: true });
  await channel.assertQueue(name, { durable: true, arguments: { "x-queue-type": "quorum" } });
  await channel.bindQueue(name, name, routingKey);
}
