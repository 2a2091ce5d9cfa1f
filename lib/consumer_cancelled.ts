/**
 * A consumer the broker cancelled: why, in one sentence.
 *
 * @module
 */
import type { ChannelModel } from "amqplib";
import { queueDeleted } from "./consumer.ts";
import { consumerTimeoutSentence } from "./errors.ts";
import { ProgramError } from "./program_error.ts";

/**
 * For a consumer the broker cancelled (amqplib calls the consume callback
 * with `null`): its queue was deleted, or, on RabbitMQ 4.3, the consumer of
 * a quorum queue held a message without an ack for longer than the consumer
 * timeout, and the broker has requeued that message. Asks the broker, on a
 * channel of its own, whether `queue` still exists, and throws the sentence
 * that says which (the program exits 1). `timeoutMs`, when the program set
 * the timeout itself, goes into the sentence.
 *
 * @example
 * ```ts
 * await channel.consume(queue, async (msg) => {
 *   if (!msg) return consumerCancelled(connection, queue, url);
 *   // ...
 * });
 * ```
 */
export async function consumerCancelled(
  connection: ChannelModel,
  queue: string,
  url: string,
  timeoutMs?: number,
): Promise<never> {
  const probe = await connection.createChannel();
  probe.on("error", () => {}); // NOT_FOUND closes the probe's channel: that is the answer
  const exists = await probe.checkQueue(queue).then(() => true, () => false);
  if (!exists) queueDeleted(queue);
  throw new ProgramError(consumerTimeoutSentence(url, timeoutMs));
}
