/**
 * The lines a long-running program prints once it is ready (consuming from its queue): the
 * tests, the demo and the bench wait for one of these instead of sleeping. They live here once,
 * so that a program's wording changes in one place.
 *
 * @module
 */

/** Tutorials 1 and 2, the archive and the stream receiver: consuming from their queue. */
export const WAITING = " [*] Waiting for messages. To exit press CTRL+C";

/** The log subscribers of tutorials 3 to 5. */
export const WAITING_LOGS = " [*] Waiting for logs. To exit press CTRL+C";

/** The subscriber of the JSON posts. */
export const WAITING_POSTS = " [*] Waiting for posts. To exit press CTRL+C";

/** Tutorial 6's server. */
export const AWAITING_RPC = " [x] Awaiting RPC requests";

/** The consumers of Lab 5 (the course's Python logging style). */
export const LAB_WAITING = "INFO: Waiting for messages. To exit press CTRL+C";

/** The stream receiver of a super stream's partitions (`stream:super_stream_receive`). */
export const WAITING_INVOICES = " [*] Waiting for invoices. To exit press CTRL+C";

/** A single active consumer of a stream (`stream:single_active_consumer_receive`), by its name. */
export function waitingToBeActive(reference: string): string {
  return ` [*] Waiting to be the active consumer of "${reference}". To exit press CTRL+C`;
}

/** The filtering stream receiver (`stream:filtering_receive`): by the broker, or `--no-filter`. */
export function waitingForOrders(region: string, filter: "broker" | "client"): string {
  const by = filter === "broker" ? "the broker, then the client" : "the client only";
  return ` [*] Waiting for the orders of ${region}, filtered by ${by}. To exit press CTRL+C`;
}
