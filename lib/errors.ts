/**
 * Error wording: every failure a program can meet becomes one sentence on
 * stderr that says what went wrong and how to fix it, never a stack trace.
 *
 * @module
 */
import { maskUrl, urlParts } from "./url.ts";

/**
 * Prints `message` on stderr and exits with `code` (1: runtime, 2: usage).
 *
 * @example
 * ```ts
 * if (count < 1) fail(`Count must be at least 1, got "${count}"`, 2);
 * ```
 */
export function fail(message: string, code = 1): never {
  console.error(message);
  Deno.exit(code);
}

const SOCKET_CAUSES: Record<string, string> = {
  ECONNREFUSED: 'connection refused; start a broker with "deno task broker" or check the port',
  ENOTFOUND: "host not found; check the host name in the URL",
  EAI_AGAIN: "host not found; check the host name in the URL",
  ETIMEDOUT: "no answer in time; check the host, the port and any firewall between",
  EHOSTUNREACH: "host unreachable; check the host name and your network",
  ECONNRESET: "the server reset the connection; is this an AMQP port (5672, or 5671 for amqps)?",
};

/** Node's codes for a server certificate that fails verification. */
const TLS_VERIFY_CODES =
  /^(SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|CERT_HAS_EXPIRED|CERT_NOT_YET_VALID|CERT_UNTRUSTED|CERT_SIGNATURE_FAILURE)$/;

/**
 * Turns an error from amqplib or the socket into one sentence naming the
 * URL (password masked), the object concerned, and the fix.
 *
 * @example
 * ```ts
 * try {
 *   await channel.assertQueue("task_queue", { durable: true });
 * } catch (error) {
 *   console.error(describeError(error, url));
 * }
 * ```
 */
export function describeError(error: unknown, url: string): string {
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
  if (/Socket closed abruptly during opening handshake/.test(text)) {
    return `Cannot connect to ${where}: the server closed the connection during the handshake; ${
      SOCKET_CAUSES.ECONNRESET.split("; ")[1]
    }`;
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
  if (/Handshake terminated by server: 403/.test(text)) {
    const guestHint = user === "guest"
      ? ` (the "guest" user can only log in from localhost: on a remote broker use another user)`
      : "";
    return `The broker at ${where} refused the login of user "${user}": wrong user name or password${guestHint}`;
  }
  if (/Expected ConnectionOpenOk/.test(text)) {
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
    // Lab 5's programs: lab:reset deletes their objects over AMQP, which works on a shared
    // training broker too, where students have no rabbitmqctl.
    if (Deno.mainModule.includes("/scripts/lab/")) {
      return `${clash}; delete the lab's queues and exchanges with "deno task lab:reset" (with your --group and --surname) and run again`;
    }
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
  if (/transient_nonexcl_queues/.test(text)) {
    return `The broker at ${where} refuses non-durable queues that are not exclusive (RabbitMQ 4.3+); add "deprecated_features.permit.transient_nonexcl_queues = true" to its rabbitmq.conf, as this project's compose.yaml does`;
  }
  const accessRefused = text.match(/ACCESS_REFUSED - (.*?)"?$/);
  if (accessRefused) {
    return `The broker at ${where} refused access for user "${user}": ${accessRefused[1]}`;
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

let installed = false;

/**
 * Makes any error that escapes the program (a rejected top-level `await`, a
 * channel closed by the broker) print {@link describeError}'s sentence and
 * exit with code 1. {@link connect} calls it for you.
 *
 * @example
 * ```ts
 * exitOnUncaughtErrors("amqp://localhost");
 * ```
 */
export function exitOnUncaughtErrors(url: string): void {
  if (installed) return;
  installed = true;
  globalThis.addEventListener("unhandledrejection", (event) => {
    event.preventDefault();
    fail(describeError(event.reason, url));
  });
  globalThis.addEventListener("error", (event) => {
    event.preventDefault();
    fail(describeError(event.error, url));
  });
}
