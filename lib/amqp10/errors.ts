/**
 * Error wording for AMQP 1.0: what RabbitMQ 4.x answers (an error
 * condition such as `amqp:not-found` on a link, a management request's
 * status and reason, a refused handshake) becomes one sentence that names
 * the broker (password masked), the object concerned, and the fix. Pure
 * functions: no I/O, so tests call them directly.
 *
 * @module
 */
import { ProgramError } from "../program_error.ts";
import { isLocalhost, maskUrl, urlParts } from "../url.ts";

/** An AMQP 1.0 error: a condition (a symbol such as `amqp:not-found`) and a description. */
export interface AmqpCondition {
  condition?: string;
  description?: string;
}

/** What a sentence is about: the broker, and the address of the link concerned, if any. */
export interface ErrorPlace {
  /** The broker URL (its password is masked in the sentence). */
  url: string;
  /** The link's address, e.g. `/queues/hello`: the sentence names that queue or exchange. */
  address?: string;
  /** The link sends (a publisher) rather than receives. */
  sender?: boolean;
}

/**
 * The queue or exchange a v2 address names: `/queues/hello` is the queue
 * "hello", `/exchanges/logs/info` the exchange "logs"; undefined for others.
 */
export function addressObject(
  address: string,
): { kind: "queue" | "exchange"; name: string } | undefined {
  const [, kind, name] = address.split("/");
  if (name === undefined || !["queues", "exchanges"].includes(kind)) return undefined;
  return { kind: kind === "exchanges" ? "exchange" : "queue", name: decodeURIComponent(name) };
}

function parts(url: string) {
  try {
    return urlParts(url);
  } catch {
    return { user: "guest", vhost: "/", host: "", port: 5672 };
  }
}

/**
 * Whether the broker closed the connection on purpose, forcing it: RabbitMQ
 * shutting down or restarting, or someone closing it in the management UI.
 * RabbitMQ 4.3 says `amqp:internal-error` with "Connection forced: ..."
 * where AMQP 1.0 has `amqp:connection:forced`; a consumer reconnects.
 *
 * @example
 * ```ts
 * connectionForced({ condition: "amqp:internal-error",
 *   description: `Connection forced: "broker forced connection closure with reason 'shutdown'"` }); // true
 * ```
 */
export function connectionForced(error: AmqpCondition): boolean {
  return error.condition === "amqp:connection:forced" ||
    /^Connection forced/i.test(error.description ?? "");
}

/**
 * The sentence for an AMQP 1.0 error condition that RabbitMQ sent (on a
 * refused login, a link it refused or detached, a connection it closed).
 *
 * @example
 * ```ts
 * describeCondition({ condition: "amqp:not-found", description: "no queue 'jobs' in vhost '/'" },
 *   { url: "amqp://localhost", address: "/queues/jobs" });
 * // 'The queue "jobs" does not exist in vhost "/" at "amqp://localhost"; start the program that declares it first, or check the name'
 * ```
 */
export function describeCondition(error: AmqpCondition, place: ErrorPlace): string {
  const where = `"${maskUrl(place.url)}"`;
  const { user, vhost } = parts(place.url);
  const object = place.address ? addressObject(place.address) : undefined;
  const what = object ? `The ${object.kind} "${object.name}"` : "";
  const said = error.description ? `: ${error.description}` : "";
  switch (error.condition) {
    case "amqp:not-found":
      if (object) {
        return `${what} does not exist in vhost "${vhost}" at ${where}; start the program that declares it first, or check the name`;
      }
      break;
    case "amqp:resource-deleted":
      if (object && place.sender) return `${what} was deleted while this program sent to it`;
      if (object) {
        return `${what} was deleted, so the broker stopped this consumer; start the program again`;
      }
      break;
    case "amqp:resource-locked":
      if (object) {
        return `${what} is exclusive to another connection (another program is using it); stop that program or use another queue name`;
      }
      break;
    case "amqp:unauthorized-access":
      return `The broker at ${where} refused access for user "${user}"${said}`;
  }
  if (connectionForced(error)) {
    return `The broker at ${where} closed the connection${said}; check that the broker is still running`;
  }
  return `Error talking to ${where}: ${error.condition}${said}`;
}

/**
 * The sentence for a login the broker refused during the SASL handshake.
 *
 * @example
 * ```ts
 * loginRefused("amqp://bob:secret@localhost"); // 'The broker at "amqp://bob:***@localhost" refused the login of user "bob": wrong user name or password'
 * ```
 */
export function loginRefused(url: string): string {
  const { user } = parts(url);
  const remoteGuest = user === "guest" && !isLocalhost(url)
    ? ` (the "guest" user can only log in from localhost, unless the broker allows it elsewhere: use another user)`
    : "";
  return `The broker at "${
    maskUrl(url)
  }" refused the login of user "${user}": wrong user name or password${remoteGuest}`;
}

/**
 * The sentence for a vhost the broker refused after the login: RabbitMQ
 * 4.x resets an AMQP 1.0 connection whose `open` names a vhost that does not
 * exist, or one the user has no permissions on.
 */
export function vhostRefused(url: string): string {
  const { user, vhost } = parts(url);
  const flag = vhost === "/" ? "" : ` -p ${vhost}`;
  return `The broker at "${
    maskUrl(url)
  }" refused access to vhost "${vhost}": it does not exist or user "${user}" has no permissions on it (create it with "rabbitmqctl add_vhost ${vhost}" and "rabbitmqctl set_permissions${flag} ${user} '.*' '.*' '.*'")`;
}

/**
 * The sentence for a broker without AMQP 1.0 v2 addresses (RabbitMQ 3.x:
 * AMQP 0-9-1 only, or 3.13's AMQP 1.0 plugin with the old addresses), naming
 * the version it met and the AMQP 0-9-1 program to run instead.
 *
 * @example
 * ```ts
 * needsRabbitmq4("amqp://localhost", "3.10.8", "send");
 * ```
 */
export function needsRabbitmq4(url: string, version: string | undefined, program: string): string {
  const met = version ? `RabbitMQ ${version}` : "not RabbitMQ 4 (it names no version)";
  return `The broker at "${
    maskUrl(url)
  }" is ${met}, which has no AMQP 1.0 with v2 addresses (RabbitMQ 4.0 and later have it, always on); upgrade it, or run the AMQP 0-9-1 program instead: deno task ${program}`;
}

/** The sentence for a server that closed the connection without a word of AMQP 1.0. */
export function notAmqp(url: string): string {
  return `The server at "${
    maskUrl(url)
  }" does not speak AMQP 1.0 (it closed the connection, or answered with something else, such as HTTP); check the host and the port: AMQP is 5672 (5671 for amqps), while 15672 is the management UI`;
}

/**
 * The {@link ProgramError} for a management request (HTTP over AMQP) that
 * RabbitMQ answered with an error status: a queue or exchange declared with
 * other arguments than it has (409), a missing queue in a binding (400), a
 * refusal (403).
 *
 * @example
 * ```ts
 * managementRefused("amqp://localhost", "PUT", "/queues/hello", "409",
 *   "inequivalent arg 'x-queue-type' for queue 'hello' in vhost '/': received 'classic' but current is 'quorum'");
 * ```
 */
export function managementRefused(
  url: string,
  method: string,
  path: string,
  status: string,
  reason: string,
): ProgramError {
  const { vhost } = parts(url);
  const clash = reason.match(
    /^inequivalent arg '([^']+)' for (queue|exchange) '([^']*)' in vhost '[^']*': received '([^']*)' but current is '([^']*)'/,
  );
  if (clash) {
    const [, arg, kind, name, wanted, current] = clash;
    const fix = name.startsWith("amq.")
      ? "it is one of the broker's own, so use another name"
      : kind === "queue"
      ? `delete the queue with "rabbitmqctl delete_queue${
        vhost === "/" ? "" : ` -p ${vhost}`
      } ${name}" and run again, or use another name`
      : "delete the exchange in the management UI (Exchanges tab) and run again, or use another name";
    return new ProgramError(
      `The ${kind} "${name}" already exists with ${arg} "${current}", but this program declares it with ${arg} "${wanted}"; ${fix}`,
    );
  }
  const locked = reason.match(/^cannot obtain exclusive access to locked queue '([^']*)'/);
  if (locked) {
    return new ProgramError(
      describeCondition({ condition: "amqp:resource-locked" }, {
        url,
        address: `/queues/${encodeURIComponent(locked[1])}`,
      }),
    );
  }
  const missing = reason.match(/^no (queue|exchange) '([^']*)' in vhost/);
  if (missing) {
    return new ProgramError(
      `The ${missing[1]} "${missing[2]}" does not exist in vhost "${vhost}" at "${
        maskUrl(url)
      }"; start the program that declares it first, or check the name`,
    );
  }
  return new ProgramError(
    `The broker at "${maskUrl(url)}" answered ${status} to ${method} ${path}: ${reason}`,
  );
}

/** The outcome the broker settled a published message with (see lib/amqp10/connection.ts). */
export type Outcome = "accepted" | "rejected" | "released" | "modified";

/**
 * Throws a {@link ProgramError} saying why the broker did not accept a
 * message sent to `address`, unless the outcome is `accepted`.
 *
 * @example
 * ```ts
 * expectAccepted(await publish(sender, message), "/queues/hello");
 * ```
 */
export function expectAccepted(outcome: Outcome, address: string): void {
  if (outcome === "accepted") return;
  const object = addressObject(address);
  const to = object ? ` sent to the ${object.kind} "${object.name}"` : "";
  const why: Record<Exclude<Outcome, "accepted">, string> = {
    rejected:
      `the broker rejected it (a queue is full with x-overflow "reject-publish", or unavailable); it was not stored, so send it again later`,
    released:
      "the broker released it: no queue got it (unroutable), so nothing is bound that matches",
    modified: "the broker settled it as modified: it was not stored",
  };
  throw new ProgramError(`The message${to} was not taken: ${why[outcome]}`);
}
