/**
 * Why an exclusive queue cannot be declared. The broker answers both
 * causes with the same RESOURCE_LOCKED error: the queue is exclusive to a
 * connection that is still open (another program owns it), or a queue of
 * that name exists that is not exclusive (left over from another variant).
 * A passive declare from this connection tells them apart: the first
 * answers RESOURCE_LOCKED again, the second succeeds.
 *
 * @module
 */
import type { ChannelModel } from "amqplib";
import { ProgramError } from "../program_error.ts";
import { resetFix } from "./cli.ts";

/** What a failed passive declare carries: the AMQP reply code. */
const NOT_FOUND = 404;
const RESOURCE_LOCKED = 405;

/**
 * The sentence for an exclusive queue that another connection owns.
 *
 * @example
 * ```ts
 * ownedElsewhere("inbo-04_laptev"); // 'The queue "inbo-04_laptev" is exclusive to another connection: ...'
 * ```
 */
export function ownedElsewhere(queue: string): string {
  return `The queue "${queue}" is exclusive to another connection: a program that declared it is still running (another lab1:exclusive:receive with your name?); stop that program, then run this one again`;
}

/**
 * The sentence for a queue of the name that exists but is not exclusive,
 * with the fix for it: delete it with `lab:reset`, after stopping the
 * programs that consume it, if any.
 *
 * @example
 * ```ts
 * leftOver("inbo-04_laptev", { messageCount: 1, consumerCount: 0 });
 * // 'The queue "inbo-04_laptev" already exists and is not exclusive ...'
 * ```
 */
export function leftOver(
  queue: string,
  { messageCount, consumerCount }: { messageCount: number; consumerCount: number },
): string {
  const messages = `${messageCount} message${messageCount === 1 ? "" : "s"}`;
  const consumers = consumerCount === 0
    ? ""
    : `, ${consumerCount} consumer${consumerCount === 1 ? "" : "s"}`;
  const stop = consumerCount === 0
    ? ""
    : `stop the program${
      consumerCount === 1 ? "" : "s"
    } consuming it (lab1:durable:receive or lab1:autodelete:receive with your name?), then `;
  return `The queue "${queue}" already exists and is not exclusive (${messages}${consumers}): it is left over from another task 1 variant, not another program's exclusive queue; ${stop}${
    resetFix(queue)
  }`;
}

/**
 * Before declaring the exclusive queue `queue`: resolves when no queue of
 * that name exists; else throws a {@link ProgramError} whose sentence says
 * which of the two causes it is ({@link ownedElsewhere} or {@link leftOver})
 * and the fix for it. Uses a channel of its own on `connection`, as a
 * failed check closes its channel.
 *
 * @example
 * ```ts
 * await checkNameFree(connection, queue);
 * await channel.assertQueue(queue, { exclusive: true, durable: false });
 * ```
 */
export async function checkNameFree(connection: ChannelModel, queue: string): Promise<void> {
  const channel = await connection.createChannel();
  channel.on("error", () => {}); // a failed check also rejects checkQueue's promise, handled below
  let existing;
  try {
    existing = await channel.checkQueue(queue);
  } catch (error) {
    const code = (error as { code?: number }).code;
    if (code === NOT_FOUND) return; // free: the declare creates it
    if (code === RESOURCE_LOCKED) throw new ProgramError(ownedElsewhere(queue));
    throw error;
  }
  await channel.close();
  throw new ProgramError(leftOver(queue, existing));
}
