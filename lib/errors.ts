/**
 * Error wording: every failure a program can meet becomes one sentence on
 * stderr that says what went wrong and how to fix it, never a stack trace.
 *
 * lib functions throw ({@link ProgramError} for what they detect themselves,
 * amqplib's and the socket's errors as they come); {@link reportUncaught},
 * which `cli()` installs, is each program's one top-level handler that turns
 * them into the sentence and the exit code.
 *
 * @module
 */
import { brokerVersion as version } from "./broker_version.ts";
import { ProgramError } from "./program_error.ts";
import { maskUrl, urlParts } from "./url.ts";

export { ProgramError };

/**
 * What went wrong, as far as the program's reaction goes:
 * - `transient`: the broker is down, restarting or out of reach, or the
 *   connection dropped: a consumer reconnects;
 * - `login`, `vhost`: the broker answered and refused us: retrying will not help;
 * - `other`: anything else (a channel error, a bug).
 */
export type ErrorKind = "transient" | "login" | "vhost" | "other";

/** Node's socket error codes, with what they mean for the user. */
const SOCKET_CAUSES: Record<string, string> = {
  ECONNREFUSED: 'connection refused; start a broker with "deno task broker" or check the port',
  ENOTFOUND: "host not found; check the host name in the URL",
  EAI_AGAIN: "host not found; check the host name in the URL",
  ETIMEDOUT: "no answer in time; check the host, the port and any firewall between",
  EHOSTUNREACH: "host unreachable; check the host name and your network",
  ENETUNREACH: "network unreachable; check your network",
  ECONNRESET: "the server reset the connection; is this an AMQP port (5672, or 5671 for amqps)?",
  EPIPE: "the server closed the connection; is this an AMQP port (5672, or 5671 for amqps)?",
};

/** A dropped or failed connection that is worth trying again. */
const TRANSIENT =
  /ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN|Socket closed|Unexpected close|CONNECTION_FORCED|Heartbeat timeout/;

/**
 * Sorts an error from amqplib or the socket into an {@link ErrorKind}: the
 * one place that decides whether a failure is worth retrying.
 *
 * @example
 * ```ts
 * classifyError(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }));
 * // "transient"
 * ```
 */
export function classifyError(error: unknown): ErrorKind {
  const text = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown })?.code;
  if (/Handshake terminated by server: 403/.test(text)) return "login";
  if (/Expected ConnectionOpenOk/.test(text)) return "vhost";
  if ((typeof code === "string" && code in SOCKET_CAUSES) || TRANSIENT.test(text)) {
    return "transient";
  }
  return "other";
}

/** Node's codes for a server certificate that fails verification. */
const TLS_VERIFY_CODES =
  /^(SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|CERT_HAS_EXPIRED|CERT_NOT_YET_VALID|CERT_UNTRUSTED|CERT_SIGNATURE_FAILURE)$/;

/**
 * What amqplib says when the bytes a server sends are not AMQP frames: an
 * HTTP server's "HTTP/1.1 404" read as a frame header gives a frame size of
 * 1,345,270,062 (the bytes "P/1.").
 */
const NOT_AMQP =
  /Frame size \d+ exceeds|Invalid frame|Unknown frame type|Unexpected frame|Expected ConnectionStart|Unknown method|Protocol mismatch/i;

/** RabbitMQ 4.3's refusal of a non-durable queue that is not exclusive (a deprecated feature). */
const TRANSIENT_REFUSED = /transient_nonexcl_queues/;

/** Options for {@link describeError}. */
export interface DescribeOptions {
  /** The broker's version, e.g. "4.3.6", for the sentences whose cause depends on it. */
  brokerVersion?: string;
  /**
   * The fix to advise when a queue or exchange exists with other arguments
   * than the program declares, instead of deleting it by hand: e.g. the lab's
   * `"deno task lab:reset --group ... --surname ..."`.
   */
  redeclareFix?: string;
}

/**
 * Turns an error from amqplib or the socket into one sentence naming the
 * URL (password masked), the object concerned, and the fix. A
 * {@link ProgramError}'s message is that sentence already.
 *
 * @example
 * ```ts
 * describeError(new Error("Handshake terminated by server: 403 (ACCESS-REFUSED)"), "amqp://bob:pw@host");
 * // 'The broker at "amqp://bob:***@host" refused the login of user "bob": wrong user name or password'
 * ```
 */
export function describeError(
  error: unknown,
  url: string,
  options: DescribeOptions = {},
): string {
  if (error instanceof ProgramError) return error.message;
  const err = error instanceof Error ? error : new Error(String(error));
  const where = `"${maskUrl(url)}"`;
  const code = (err as { code?: unknown }).code;
  const text = err.message;
  const { user, vhost } = safeParts(url);
  const inVhost = vhost === "/" ? "" : ` -p ${vhost}`;

  if (typeof code === "string" && code in SOCKET_CAUSES) {
    return `Cannot connect to ${where}: ${SOCKET_CAUSES[code]}`;
  }
  if (/connect ETIMEDOUT/.test(text)) {
    return `Cannot connect to ${where}: ${SOCKET_CAUSES.ETIMEDOUT}`;
  }
  if (NOT_AMQP.test(text)) {
    return `The server at ${where} does not speak AMQP (it answered with something else, such as HTTP); check the host and the port: AMQP is 5672 (5671 for amqps), while 15672 is the management UI`;
  }
  if (/Socket closed abruptly during opening handshake/.test(text)) {
    return `Cannot connect to ${where}: the server closed the connection during the handshake; is this an AMQP port (5672, or 5671 for amqps)?`;
  }
  if (typeof code === "string" && TLS_VERIFY_CODES.test(code)) {
    return `Cannot connect to ${where}: the broker's TLS certificate is not trusted (${text}); pass the CA certificate that signed it with --ca (or AMQP_CA)`;
  }
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID") {
    return `Cannot connect to ${where}: the broker's TLS certificate is for another host name (${text}); use the host name the certificate names`;
  }
  if (/Handshake terminated by server: 403.*mechanism EXTERNAL/.test(text)) {
    return `The broker at ${where} refused the EXTERNAL (certificate) login: pass a client certificate with --cert and --key whose common name is a RabbitMQ user, and enable the rabbitmq_auth_mechanism_ssl plugin`;
  }
  if (classifyError(err) === "login") {
    const guestHint = user === "guest"
      ? ` (the "guest" user can only log in from localhost, unless the broker allows it elsewhere: on a remote broker use another user, or the password your course gave you)`
      : "";
    return `The broker at ${where} refused the login of user "${user}": wrong user name or password${guestHint}`;
  }
  if (classifyError(err) === "vhost") {
    return `The broker at ${where} refused access to vhost "${vhost}": it does not exist or user "${user}" has no permissions on it (create it with "rabbitmqctl add_vhost ${vhost}" and "rabbitmqctl set_permissions -p ${vhost} ${user} '.*' '.*' '.*'")`;
  }

  // A value is 'x' (a flag), "the value 'x' of type 't'" (an argument), or "none" (not set).
  const VALUE = `(?:'([^']*)'|the value '([^']*)' of type '[^']*'|(none))`;
  const inequivalent = text.match(
    new RegExp(
      `inequivalent arg '([^']+)' for (queue|exchange) '([^']*)' in vhost '[^']*': received ${VALUE} but current is ${VALUE}`,
    ),
  );
  if (inequivalent) {
    const [, arg, kind, name, ...values] = inequivalent;
    // Not set: no value, except that a queue without x-queue-type is a classic queue.
    const shown = (value?: string) =>
      value !== undefined ? `"${value}"` : arg === "x-queue-type" ? `"classic"` : "none";
    const wanted = shown(values[0] ?? values[1]);
    const current = shown(values[3] ?? values[4]);
    const clash =
      `The ${kind} "${name}" already exists with ${arg} ${current}, but this program declares it with ${arg} ${wanted}`;
    if (options.redeclareFix) return `${clash}; ${options.redeclareFix}`;
    // The broker's own amq.* exchanges cannot be deleted.
    if (name.startsWith("amq.")) {
      return `${clash}; it is one of the broker's own, so use another name`;
    }
    const remedy = kind === "queue"
      ? `"rabbitmqctl delete_queue${inVhost} ${name}"`
      : "the management UI (Exchanges tab)";
    return `${clash}; delete the ${kind} with ${remedy} and run again, or use another name`;
  }
  const locked = text.match(
    /RESOURCE_LOCKED - cannot obtain exclusive access to locked queue '([^']*)'/,
  );
  if (locked) {
    return `The queue "${
      locked[1]
    }" is exclusive to another connection (another program is using it); stop that program or use another queue name`;
  }
  const missing = text.match(/NOT_FOUND - no (queue|exchange) '([^']*)'/);
  if (missing) {
    const [, kind, name] = missing;
    return `The ${kind} "${name}" does not exist in vhost "${vhost}" at ${where}; start the program that declares it first, or check the name`;
  }
  if (TRANSIENT_REFUSED.test(text)) {
    const version = options.brokerVersion ? ` (RabbitMQ ${options.brokerVersion})` : "";
    return `The broker at ${where}${version} refuses non-durable queues that are not exclusive (RabbitMQ 4.3+); add "deprecated_features.permit.transient_nonexcl_queues = true" to its rabbitmq.conf, as this project's compose.yaml does`;
  }
  const accessRefused = text.match(/ACCESS_REFUSED - (.*?)"?$/);
  if (accessRefused) {
    return `The broker at ${where} refused access for user "${user}": ${accessRefused[1]}`;
  }
  if (text === "message nacked") {
    return `The broker at ${where} did not take the message (it answered with a nack: a full queue that rejects publishes, or a quorum queue without a leader); it was not stored, so send it again`;
  }
  const closed = text.match(/Connection closed: \d+ \(([A-Z-]+)\) with message "(.*)"/);
  if (closed) {
    return `The broker at ${where} closed the connection: ${closed[2]}`;
  }
  if (/Unexpected close|Heartbeat timeout/.test(text)) {
    return `Lost the connection to ${where}: ${text}; check that the broker is still running`;
  }
  const firstLine = text.split("\n")[0];
  return `Error talking to ${where}: ${firstLine}`;
}

function safeParts(url: string) {
  try {
    return urlParts(url);
  } catch {
    return { user: "guest", vhost: "/" };
  }
}

/** What {@link reportUncaught} needs to word an error. */
export interface ReportContext extends DescribeOptions {
  /** The broker URL the program talks to (the one it reached, once connected). */
  url: string;
  /**
   * Errors to pass over, as a sentence on stderr instead of an exit: e.g. a
   * reconnecting consumer's ack on the channel of a connection it lost.
   * Returns the sentence, or `undefined` for an error that ends the program.
   */
  survivable?: (error: unknown) => string | undefined;
}

const context: ReportContext = { url: "amqp://localhost" };
let installed = false;
let exiting: Promise<never> | undefined;

/**
 * Prints {@link describeError}'s sentence for `error` on stderr and exits
 * with code 1, or a {@link ProgramError}'s own code (after asking the broker
 * its version, when the sentence depends on it). What
 * {@link reportUncaught}'s handler does; for lib code that learns of a
 * failure in an event listener, where a throw would reach no one.
 *
 * @example
 * ```ts
 * connection.on("close", (error) => error && reportAndExit(error));
 * ```
 */
export function reportAndExit(error: unknown): Promise<never> {
  // The first failure is the one to report: what follows from it (a channel closed by the same
  // cause) would only repeat it.
  if (exiting) return exiting;
  return exiting = (async () => {
    let { brokerVersion } = context;
    // The sentence names the version for a refusal that depends on it: ask the broker.
    if (!brokerVersion && TRANSIENT_REFUSED.test((error as Error)?.message ?? "")) {
      brokerVersion = await version(context.url).catch(() => undefined);
    }
    console.error(describeError(error, context.url, { ...context, brokerVersion }));
    Deno.exit(error instanceof ProgramError ? error.exitCode : 1);
  })();
}

/**
 * Updates what the program's handler needs to word an error (the URL
 * reached, the lab's fix, the errors it may pass over), without installing
 * the handler: for lib code that a test may call too.
 *
 * @example
 * ```ts
 * setErrorContext({ url: "amqp://localhost:5682" });
 * ```
 */
export function setErrorContext(update: Partial<ReportContext>): void {
  Object.assign(context, update);
}

/**
 * Installs the program's one top-level handler: any error that escapes it
 * (a rejected top-level `await`, an error event nobody listens to, a throw
 * in a consumer's callback) goes to {@link reportAndExit}. Called again, it
 * updates the context (the URL reached, the lab's fix) and installs nothing.
 *
 * @example
 * ```ts
 * reportUncaught({ url: "amqp://localhost" });
 * ```
 */
export function reportUncaught(update: Partial<ReportContext>): void {
  Object.assign(context, update);
  if (installed) return;
  installed = true;
  const report = (error: unknown) => {
    const note = context.survivable?.(error);
    if (note === undefined) return void reportAndExit(error);
    console.error(note);
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
