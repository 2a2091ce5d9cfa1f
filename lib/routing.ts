/**
 * Checking routing and binding keys before anything is sent: AMQP carries
 * them as a "short string", at most 255 bytes of UTF-8.
 *
 * @module
 */
import { ProgramError } from "./program_error.ts";

/** The longest routing or binding key AMQP allows, in bytes of UTF-8. */
export const MAX_KEY_BYTES = 255;

/**
 * Throws a usage {@link ProgramError} naming the key and its length when
 * `key` is longer than {@link MAX_KEY_BYTES} bytes of UTF-8; returns it
 * unchanged otherwise.
 *
 * @example
 * ```ts
 * const ROUTING_KEY = checkRoutingKey(positionals[0] ?? "anonymous.info");
 * ```
 */
export function checkRoutingKey(key: string, what = "routing key"): string {
  const bytes = new TextEncoder().encode(key).length;
  if (bytes > MAX_KEY_BYTES) {
    const start = key.length > 40 ? `${key.slice(0, 40)}…` : key;
    throw new ProgramError(
      `The ${what} "${start}" is ${bytes} bytes long, but AMQP allows at most ${MAX_KEY_BYTES} bytes; use a shorter one`,
      "usage",
    );
  }
  return key;
}
