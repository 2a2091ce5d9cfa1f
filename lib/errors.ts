/**
 * Error wording: every failure a program can meet becomes one sentence that
 * says what went wrong and how to fix it, never a stack trace; and the
 * sorting of errors the programs react to (retry, or not; no offset stored
 * yet). Pure functions of what the caller knows (the error, the URL, the
 * broker's version, the stream concerned): no I/O, no state.
 *
 * lib functions throw ({@link ProgramError} with a sentence of this module
 * for what they detect themselves, amqplib's and the socket's errors as
 * they come); the program's one handler (`lib/report_uncaught.ts`) prints
 * {@link describeError}'s sentence.
 *
 * @module
 */
import { ProgramError } from "./program_error.ts";
import { isLocalhost, maskUrl, urlParts } from "./url.ts";

/**
 * What went wrong, as far as the program's reaction goes:
 * - `transient`: the broker is down, restarting or out of reach, or the
 *   connection dropped: a consumer reconnects;
 * - `login`, `vhost`: the broker answered and refused us: retrying will not help;
 * - `other`: anything else (a channel error, a bug).
 */
export type ErrorKind = "transient" | "login" | "vhost" | "other";

/** Node's socket error codes: what each means, and what to do about it. */
const SOCKET_CAUSES: Record<string, { cause: string; fix: string }> = {
  ECONNREFUSED: {
    cause: "connection refused",
    fix: 'start a broker with "deno task broker" or check the port',
  },
  ENOTFOUND: { cause: "host not found", fix: "check the host name in the URL" },
  EAI_AGAIN: { cause: "host not found", fix: "check the host name in the URL" },
  ETIMEDOUT: {
    cause: "no answer in time",
    fix: "check the host, the port and any firewall between",
  },
  EHOSTUNREACH: { cause: "host unreachable", fix: "check the host name and your network" },
  ENETUNREACH: { cause: "network unreachable", fix: "check your network" },
  ECONNRESET: {
    cause: "the server reset the connection",
    fix: "is this an AMQP port (5672, or 5671 for amqps)?",
  },
  EPIPE: {
    cause: "the server closed the connection",
    fix: "is this an AMQP port (5672, or 5671 for amqps)?",
  },
};

/**
 * The AMQP ports of the three nodes of `deno task cluster` (and of
 * compose.cluster.yaml), on this machine: a refused connection there is a
 * cluster node that is down, not a missing broker.
 */
export const CLUSTER_PORTS: readonly number[] = [5681, 5682, 5683];

/** The socket errors of a node that is down or went down: refused, or reset while in use. */
const NODE_GONE = ["ECONNREFUSED", "ECONNRESET", "EPIPE"];

/**
 * The fix for a socket error `code`: for a node that is down or went down
 * (see {@link NODE_GONE}) of the cluster on this machine (its port one of
 * {@link CLUSTER_PORTS}), how to see which nodes run, how to bring this one
 * back, and the URLs that let a program go on with another node; else the
 * code's usual fix (for a refused connection: start a broker, or check the
 * port).
 */
function socketFix(code: string, url: string): string {
  const { fix } = SOCKET_CAUSES[code];
  if (!NODE_GONE.includes(code)) return fix;
  let parts: { host: string; port: number };
  try {
    parts = urlParts(url);
  } catch {
    return fix;
  }
  const { host, port } = parts;
  if (!isLocalhost(url) || !CLUSTER_PORTS.includes(port)) return fix;
  const all = CLUSTER_PORTS.map((other) => `amqp://${host}:${other}`).join(",");
  return `if it is a node of "deno task cluster", that node is down: "deno task cluster status" shows which nodes run and "deno task cluster start" brings it back; given every node's URL (AMQP_URL=${all}), a program goes on with a node that runs`;
}

/** The socket error codes of a connection that never opened (the others: one that broke). */
const NEVER_OPENED = [
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
];

/** The error's socket code, if it has one this module knows. */
function socketCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown })?.code;
  return typeof code === "string" && code in SOCKET_CAUSES ? code : undefined;
}

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
  if (/Handshake terminated by server: 403/.test(text)) return "login";
  if (/Expected ConnectionOpenOk/.test(text)) return "vhost";
  if (socketCode(error) || TRANSIENT.test(text)) return "transient";
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

/** What {@link describeError} knows of a failed call of the stream client. */
export interface StreamCall {
  /** The stream the call was about (for a super stream: its name). */
  stream: string;
  /** The call was about a super stream (a partitioned stream), named in `stream`. */
  superStream?: boolean;
  /** The arguments the program declares the stream with. */
  arguments?: Record<string, unknown>;
  /**
   * Where the broker tells clients to connect for a stream's leader or
   * replica (`stream.advertised_host` and `stream.advertised_port`).
   */
  advertised?: { host: string; port: number };
}

/** Options for {@link describeError}. */
export interface DescribeOptions {
  /**
   * The broker's version, e.g. "4.3.6", for the sentences that name it
   * (see {@link namesBrokerVersion}).
   */
  brokerVersion?: string;
  /**
   * The fix to advise when a queue or exchange exists with other arguments
   * than the program declares, instead of deleting it by hand: e.g. the lab's
   * `"deno task lab:reset --group ... --surname ..."`.
   */
  redeclareFix?: string;
  /**
   * The fix to advise when the broker refuses the vhost, instead of an
   * administrator's `rabbitmqctl add_vhost` and `set_permissions`: e.g. the
   * lab's "check the vhost in your URL, or ask your teacher".
   */
  vhostFix?: string;
  /**
   * The fix to advise when the broker refuses this user a queue or exchange
   * (its permissions): e.g. the lab's "each student may use only their own names".
   */
  accessFix?: string;
  /** For an error of the stream client: the call that failed. */
  stream?: StreamCall;
}

/**
 * True when {@link describeError}'s sentence for `error` names the broker's
 * version if it is given one: for the caller that asks the broker, once.
 */
export function namesBrokerVersion(error: unknown): boolean {
  return TRANSIENT_REFUSED.test((error as Error)?.message ?? "");
}

/**
 * Turns an error from amqplib, the socket or the stream client into one
 * sentence naming the URL (password masked), the object concerned, and the
 * fix. A {@link ProgramError}'s message is that sentence already.
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

  const stream = options.stream && streamCallSentence(error, url, options.stream);
  if (stream) return stream;
  const socket = socketCode(err);
  if (socket) {
    return `Cannot connect to ${where}: ${SOCKET_CAUSES[socket].cause}; ${socketFix(socket, url)}`;
  }
  if (/connect ETIMEDOUT/.test(text)) {
    const { cause, fix } = SOCKET_CAUSES.ETIMEDOUT;
    return `Cannot connect to ${where}: ${cause}; ${fix}`;
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
    const permissions = `"rabbitmqctl set_permissions -p ${vhost} ${user} '.*' '.*' '.*'"`;
    // "/" exists on every broker: the URL named no vhost, or the user has no permissions there.
    if (vhost === "/") {
      const refused =
        `The broker at ${where} refused access to vhost "/", the one used when the URL names none: user "${user}" has no permissions on it`;
      return options.vhostFix
        ? `${refused}; ${options.vhostFix}`
        : `${refused} (give them with ${permissions}), or the URL lacks the vhost you meant (amqp://host/VHOST)`;
    }
    const refused =
      `The broker at ${where} refused access to vhost "${vhost}": it does not exist or user "${user}" has no permissions on it`;
    return options.vhostFix
      ? `${refused}; ${options.vhostFix}`
      : `${refused} (create it with "rabbitmqctl add_vhost ${vhost}" and ${permissions})`;
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
  // RabbitMQ 4 names the permission ("configure access to queue ..."), 3.x does not.
  const resourceRefused = text.match(
    /ACCESS_REFUSED - (?:(configure|write|read) )?access to (queue|exchange) '([^']*)' in vhost '([^']*)'/,
  );
  if (resourceRefused && options.accessFix) {
    const [, permission, kind, name, inVhostName] = resourceRefused;
    return `The broker at ${where} refused user "${user}" ${
      permission ? `${permission} access` : "access"
    } to the ${kind} "${name}" in vhost "${inVhostName}"; ${options.accessFix}`;
  }
  const accessRefused = text.match(/ACCESS_REFUSED - (.*?)"?$/);
  if (accessRefused) {
    return `The broker at ${where} refused access for user "${user}": ${accessRefused[1]}`;
  }
  if (text === "message nacked") {
    return `The broker at ${where} did not take the message (it answered with a nack: a full queue that rejects publishes, or a quorum queue without a leader); it was not stored, so send it again`;
  }
  const ackTimeout = text.match(
    /delivery acknowledgement on channel \d+ timed out\. Timeout value used: (\d+) ms/,
  );
  if (ackTimeout) return consumerTimeoutSentence(url, Number(ackTimeout[1]));
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

/**
 * The sentence for a consumer that held a message without an ack for longer
 * than the broker's consumer timeout: the broker took the message back and
 * requeued it for another consumer. RabbitMQ 3.x closes the consumer's
 * channel (PRECONDITION_FAILED, naming the timeout); RabbitMQ 4.3 cancels a
 * quorum queue's consumer (amqplib calls the consume callback with `null`).
 *
 * @example
 * ```ts
 * consumerTimeoutSentence("amqp://localhost", 1800000);
 * // 'The broker at "amqp://localhost" took back a message this consumer held without an ack for longer than the consumer timeout (1,800,000 ms) ...'
 * ```
 */
export function consumerTimeoutSentence(url: string, timeoutMs?: number): string {
  const timeout = timeoutMs === undefined
    ? "the consumer timeout"
    : `the consumer timeout (${timeoutMs.toLocaleString("en-US")} ms)`;
  return `The broker at "${
    maskUrl(url)
  }" took back a message this consumer held without an ack for longer than ${timeout} and requeued it for another consumer; make the work shorter or raise the timeout (see docs/failures.md)`;
}

/**
 * The sentence for a broker too old for a feature the program was asked to
 * use, and which it would ignore without a word: RabbitMQ accepts `x-`
 * arguments it does not know.
 *
 * @example
 * ```ts
 * missingFeatureSentence("amqp://localhost", "3.10.8", {
 *   feature: "a consumer's own timeout, x-consumer-timeout",
 *   since: "3.12",
 *   instead: "set consumer_timeout for the whole broker",
 * });
 * // 'The broker at "amqp://localhost" is RabbitMQ 3.10.8, which would ignore a consumer's own timeout, x-consumer-timeout (RabbitMQ 3.12 and later have it); set consumer_timeout for the whole broker'
 * ```
 */
export function missingFeatureSentence(
  url: string,
  version: string,
  missing: { feature: string; since: string; instead: string },
): string {
  return `The broker at "${
    maskUrl(url)
  }" is RabbitMQ ${version}, which would ignore ${missing.feature} (RabbitMQ ${missing.since} and later have it); ${missing.instead}`;
}

function safeParts(url: string) {
  try {
    return urlParts(url);
  } catch {
    return { user: "guest", vhost: "/" };
  }
}

// --- Streams: the stream client (rabbitmq-stream-js-client) and its port ---

/** The stream protocol's response codes that the sentences name (RabbitMQ's PROTOCOL.adoc). */
const RESPONSE_CODES = {
  streamDoesNotExist: 2,
  streamNotAvailable: 6,
  accessRefused: 16,
  preconditionFailed: 17,
  noOffset: 19,
} as const;

/**
 * The stream protocol's response code of a failed call of the stream
 * client: it throws an Error whose message ends "with code 17", or rejects
 * with the bare number.
 */
function responseCode(error: unknown): number | undefined {
  if (typeof error === "number") return error;
  const match = String((error as Error)?.message ?? "").match(/with code (\d+)/);
  return match ? Number(match[1]) : undefined;
}

/**
 * True for the error of the stream client's `queryOffset` when nothing is
 * stored under the reference yet: a consumer's first run.
 *
 * @example
 * ```ts
 * try {
 *   offset = await client.queryOffset({ reference, stream });
 * } catch (error) {
 *   if (!noStoredOffset(error)) throw error;
 * }
 * ```
 */
export function noStoredOffset(error: unknown): boolean {
  return responseCode(error) === RESPONSE_CODES.noOffset;
}

/** The sentence for a failed stream client call, or undefined: nothing better than the AMQP wording. */
function streamCallSentence(error: unknown, url: string, call: StreamCall): string | undefined {
  const where = `"${maskUrl(url)}"`;
  const stream = `"${call.stream}"`;
  const { vhost, user } = urlParts(url);
  const inVhost = vhost === "/" ? "" : ` -p ${vhost}`;
  const socket = socketCode(error);
  if (socket && NEVER_OPENED.includes(socket) && call.advertised) {
    const { host, port } = call.advertised;
    return `The broker at ${where} tells stream clients to connect to "${
      hostPort(host, port)
    }", which this machine cannot reach (${
      SOCKET_CAUSES[socket].cause
    }); set stream.advertised_host (and stream.advertised_port) in its configuration to a name and port clients can reach, as compose.yaml does with localhost`;
  }
  switch (responseCode(error)) {
    case RESPONSE_CODES.preconditionFailed: {
      const args = Object.entries(call.arguments ?? {}).map(([k, v]) => `${k} ${v}`);
      const declared = args.length ? `with ${args.join(", ")}` : "without arguments";
      if (call.superStream) {
        return `The super stream ${stream} already exists with other arguments than this program declares (${declared}); delete it with "rabbitmq-streams delete_super_stream${inVhost} ${call.stream}" and run again, or use another name with --super-stream`;
      }
      return `The stream ${stream} already exists with other arguments than this program declares (${declared}); delete it with "rabbitmqctl delete_queue${inVhost} ${call.stream}" and run again, or use another name with --stream`;
    }
    case RESPONSE_CODES.streamDoesNotExist:
      if (call.superStream) {
        return `The super stream ${stream} does not exist in vhost "${vhost}" at ${where}; start the program that declares it first, or check the name (--super-stream)`;
      }
      return `The stream ${stream} does not exist in vhost "${vhost}" at ${where} (deleted while in use?); run again to declare it`;
    case RESPONSE_CODES.streamNotAvailable:
      return `The stream ${stream} at ${where} is not available right now (its leader is being elected or the node is starting); run again in a few seconds`;
    case RESPONSE_CODES.accessRefused:
      return `The broker at ${where} refused user "${user}" access to the stream ${stream}: no configure, write or read permission on it in vhost "${vhost}"`;
    default:
      return undefined;
  }
}

/**
 * The sentence for a broker older than `needed`: the oldest RabbitMQ the
 * stream client works with, or the one that brought the `feature` the
 * program shows (e.g. "stream filtering", RabbitMQ 3.13).
 *
 * @example
 * ```ts
 * tooOldSentence("amqp://localhost", "3.12.14", "3.13", "stream filtering");
 * // 'The broker at "amqp://localhost" is RabbitMQ 3.12.14, but stream filtering needs RabbitMQ 3.13 or later; ...'
 * ```
 */
export function tooOldSentence(
  url: string,
  version: string,
  needed: string,
  feature = "the stream client",
): string {
  return `The broker at "${
    maskUrl(url)
  }" is RabbitMQ ${version}, but ${feature} needs RabbitMQ ${needed} or later; upgrade it, or stop it and start this project's RabbitMQ 4.3 (compose.yaml, stream plugin on) with "docker compose up -d"`;
}

/**
 * The sentence for a super stream that exists with another number of
 * partitions than the program declares: creating it again does nothing, so
 * the program would route over partitions it does not expect.
 */
export function superStreamPartitionsSentence(
  url: string,
  superStream: string,
  partitions: string[],
  declared: number,
): string {
  const { vhost } = urlParts(url);
  const inVhost = vhost === "/" ? "" : ` -p ${vhost}`;
  return `The super stream "${superStream}" already exists with ${partitions.length} partition(s) (${
    partitions.join(", ")
  }), but this program declares it with ${declared}; delete it with "rabbitmq-streams delete_super_stream${inVhost} ${superStream}" and run again, or use another name with --super-stream`;
}

/** The sentence for a message the broker refused to store, with the stream protocol's response code. */
export function refusedMessageSentence(code: number): string {
  return `The broker refused a message (stream protocol response code ${code}): it was not stored; run again to send it`;
}

/** What {@link streamPortSentence} knows about a stream port that cannot be reached. */
export interface StreamPortFailure {
  /** The broker's AMQP URL. */
  url: string;
  /** The stream port that failed. */
  port: number;
  /** The broker's version, as it said over AMQP. */
  version: string;
  /**
   * For a refused connection: the ports of the broker's stream listeners,
   * from its management API; `[]`: none (the plugin is off); undefined: the
   * API did not answer.
   */
  listeners?: number[];
}

/**
 * The sentence for a stream port that cannot be reached while the broker
 * answers over AMQP. A refused connection (`ECONNREFUSED`): the plugin is
 * off, or the port is another one, or the port is not reachable from here.
 * Any other error: its cause, and what to check.
 *
 * @example
 * ```ts
 * streamPortSentence(refused, { url: "amqp://localhost", port: 5552, version: "4.3.6", listeners: [] });
 * // 'The broker at "amqp://localhost" (RabbitMQ 4.3.6) does not listen for streams: its plugin rabbitmq_stream is off; ...'
 * ```
 */
export function streamPortSentence(error: unknown, failure: StreamPortFailure): string {
  const { url, port, version, listeners } = failure;
  const broker = `The broker at "${maskUrl(url)}" (RabbitMQ ${version})`;
  const endpoint = `"${hostPort(urlParts(url).host, port)}"`;
  const socket = socketCode(error);
  if (socket !== "ECONNREFUSED") {
    const cause = socket && NEVER_OPENED.includes(socket)
      ? SOCKET_CAUSES[socket].cause
      : /^Timeout /.test((error as Error)?.message ?? "")
      ? SOCKET_CAUSES.ETIMEDOUT.cause
      : String((error as Error)?.message ?? error);
    return `Cannot connect to the stream port ${endpoint} of the broker at "${
      maskUrl(url)
    }" (RabbitMQ ${version}): ${cause}; check the host, the port (--stream-port) and any firewall between`;
  }
  if (listeners?.length === 0) {
    return `${broker} does not listen for streams: its plugin rabbitmq_stream is off; enable it with "rabbitmq-plugins enable rabbitmq_stream" (or "docker compose exec rabbitmq rabbitmq-plugins enable rabbitmq_stream"), then run again`;
  }
  if (listeners && !listeners.includes(port)) {
    const ports = listeners.join(" and ");
    return `${broker} listens for streams on port ${ports}, not ${port}: nothing answers on ${endpoint}; pass --stream-port ${
      listeners[0]
    } (or set RABBITMQ_STREAM_PORT=${listeners[0]})`;
  }
  if (listeners) {
    return `${broker} listens for streams on port ${port}, but ${endpoint} refuses connections from here: if the broker runs in a container, publish the port (compose.yaml: "127.0.0.1:${port}:${port}"), else check the host and any firewall`;
  }
  return `${broker} answers over AMQP, but nothing answers on its stream port ${endpoint}: enable the stream plugin with "rabbitmq-plugins enable rabbitmq_stream", or give the broker's stream port with --stream-port`;
}

/** The sentence for the stream connection (the client's first) dropping. */
export function lostStreamSentence(url: string, port: number): string {
  return `Lost the stream connection to "${hostPort(urlParts(url).host, port)}" (the broker at "${
    maskUrl(url)
  }"); check that it is still running`;
}

/** The sentence for a consumer the broker closed: its stream was deleted, or its connection dropped. */
export function streamClosedSentence(stream: string): string {
  return `The broker closed the consumer of the stream "${stream}": the stream was deleted, or the consumer's connection dropped; run again to read it from where you want`;
}

/** `host:port`, with brackets around an IPv6 address. */
function hostPort(host: string, port: number): string {
  return `${host.includes(":") ? `[${host}]` : host}:${port}`;
}
