/**
 * The program's one top-level handler: an error that escapes the program
 * becomes one sentence on stderr and an exit code, never a stack trace.
 * `cli()` installs it.
 *
 * @module
 */
import { brokerVersion } from "./broker_version.ts";
import type { Brokers } from "./connect.ts";
import { describeError, namesBrokerVersion } from "./errors.ts";
import { ProgramError } from "./program_error.ts";

/** What the handler needs to word an error, from the program that installed it. */
export interface ReportContext {
  /** The program's brokers: the sentence names `brokers.current`. */
  brokers: Brokers;
  /** The fix for a queue or exchange that exists with other arguments (the lab's). */
  redeclareFix?: string;
  /** The fix for a refused vhost, instead of an administrator's (the lab's). */
  vhostFix?: string;
  /** The fix for a queue or exchange the user has no permission on (the lab's). */
  accessFix?: string;
}

/** What a consumer says of an ack on the channel of a connection it lost (see `Brokers.lost`). */
const SKIPPED_ACK = "Skipped an ack on the lost connection: the broker has requeued that message";

/**
 * Installs the program's one top-level handler: any error that escapes it
 * (a rejected top-level `await`, a throw in a callback such as a
 * consumer's, an error event nobody listens to, an error a library's
 * callback hands on with `reportError()`) is printed as
 * {@link describeError}'s sentence on stderr, and the program exits with
 * code 1, or a {@link ProgramError}'s own code. Only the first error is
 * reported: what follows from it (a channel closed by the same cause)
 * would only repeat it.
 *
 * `context` is called when an error comes, for what the program knows by
 * then (the broker it reached). When the sentence names the broker's
 * version, the handler asks the broker first.
 *
 * @example
 * ```ts
 * reportUncaught(() => ({ brokers }));
 * ```
 */
export function reportUncaught(context: () => ReportContext): void {
  let reported = false;
  const report = async (error: unknown) => {
    const { brokers, ...fixes } = context();
    if (brokers.lost && (error as Error)?.name === "IllegalOperationError") {
      return console.error(SKIPPED_ACK);
    }
    if (reported) return;
    reported = true;
    const url = brokers.current;
    const version = namesBrokerVersion(error)
      ? await brokerVersion(url).catch(() => undefined)
      : undefined;
    console.error(describeError(error, url, { ...fixes, brokerVersion: version }));
    Deno.exit(error instanceof ProgramError ? error.exitCode : 1);
  };
  globalThis.addEventListener("unhandledrejection", (event) => {
    event.preventDefault();
    report(event.reason);
  });
  globalThis.addEventListener("error", (event) => {
    event.preventDefault();
    report(event.error);
  });
}
