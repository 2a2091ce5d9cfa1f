/**
 * Checking that the broker has a feature before relying on it: RabbitMQ
 * accepts `x-` arguments it does not know and ignores them, so a program
 * asked for a newer feature on an older broker would seem to work and not.
 *
 * @module
 */
import type { ChannelModel } from "amqplib";
import { missingFeatureSentence } from "./errors.ts";
import { ProgramError } from "./program_error.ts";

/** A feature of newer brokers, as {@link requireVersion}'s sentence names it. */
export interface Feature {
  /** What it is, e.g. "the delayed retry of quorum queues, x-delayed-retry-type". */
  feature: string;
  /** The first RabbitMQ version that has it, e.g. "4.3". */
  since: string;
  /** What to do on an older broker. */
  instead: string;
}

/**
 * True when RabbitMQ `version` (e.g. "3.10.8") is `since` (e.g. "3.12") or
 * later; a version it cannot read counts as recent enough.
 *
 * @example
 * ```ts
 * atLeast("4.3.6", "4.3"); // true
 * atLeast("3.10.8", "3.12"); // false
 * ```
 */
export function atLeast(version: string, since: string): boolean {
  const parts = (text: string) => text.split(".").map((part) => parseInt(part, 10));
  const [major, minor] = parts(version);
  const [needMajor, needMinor] = parts(since);
  if (Number.isNaN(major) || Number.isNaN(minor)) return true;
  return major !== needMajor ? major > needMajor : minor >= needMinor;
}

/**
 * Throws a {@link ProgramError} whose message says the broker `connection`
 * reached (at `url`) is too old for `needed`, and what to do instead.
 *
 * @example
 * ```ts
 * requireVersion(connection, url, {
 *   feature: "a consumer's own timeout, x-consumer-timeout",
 *   since: "3.12",
 *   instead: "set consumer_timeout for the whole broker",
 * });
 * ```
 */
export function requireVersion(connection: ChannelModel, url: string, needed: Feature): void {
  const version = String(connection.connection.serverProperties.version);
  if (!atLeast(version, needed.since)) {
    throw new ProgramError(missingFeatureSentence(url, version, needed));
  }
}
