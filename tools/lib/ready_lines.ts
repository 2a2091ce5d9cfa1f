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
