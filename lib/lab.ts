/**
 * Lab 5, "inter-service communication": what its programs share. The lab's
 * output format (`SENT: ...`, `RECEIVED: ...`, `INFO: Done`), the message
 * handlers of its consumers, the student's own names (`<group>_<surname>`),
 * and the names of everything its programs declare, so `lab:reset` deletes
 * exactly those.
 *
 * @module
 */
import type { Channel, ConsumeMessage } from "amqplib";
import type { OptionSpec } from "./config.ts";
import { fail } from "./errors.ts";
import { work } from "./work.ts";

/** The line every lab consumer prints once it is consuming. */
export const WAITING = "INFO: Waiting for messages. To exit press CTRL+C";

/** Walk-through part 1: the queue the first message goes to. */
export const AWESOME_QUEUE = "awesome_queue";
/** Walk-through part 2: the durable work queue (the same as tutorial 2's). */
export const TASK_QUEUE = "task_queue";
/** Walk-through part 3: the fanout exchange (the same as tutorial 3's). */
export const LOGS_EXCHANGE = "logs";
/** Walk-through part 4: the direct exchange (the same as tutorial 4's). */
export const DIRECT_EXCHANGE = "direct_logs";
/** Walk-through part 5: the topic exchange for stock quotes. */
export const STOCKS_EXCHANGE = "stocks";

/** The queues the walk-through declares by name (parts 3 to 5 use server-named ones). */
export const WALKTHROUGH_QUEUES = [AWESOME_QUEUE, TASK_QUEUE];
/** The exchanges the walk-through declares. */
export const WALKTHROUGH_EXCHANGES = [LOGS_EXCHANGE, DIRECT_EXCHANGE, STOCKS_EXCHANGE];

/** Prints `SENT: message`, or `SENT: [key] message` with a routing key. */
export function printSent(message: string, routingKey?: string): void {
  console.log(`SENT: ${routingKey === undefined ? "" : `[${routingKey}] `}${message}`);
}

/** Prints `INFO: text`. */
export function printInfo(text: string): void {
  console.log(`INFO: ${text}`);
}

/** Options for {@link printMessages}. */
export interface PrintOptions {
  /** Show each message's routing key: `RECEIVED: [info] message` (default false). */
  withKey?: boolean;
}

/**
 * The message handler of an auto-ack consumer: prints `RECEIVED: message`
 * (with the routing key, if asked), and exits with an error if the broker
 * cancels the consumer because the queue was deleted.
 *
 * @example
 * ```ts
 * await channel.consume(QUEUE, printMessages(QUEUE), { noAck: true });
 * ```
 */
export function printMessages(
  queue: string,
  options: PrintOptions = {},
): (msg: ConsumeMessage | null) => void {
  return (msg) => {
    if (!msg) return queueDeleted(queue);
    const key = options.withKey ? `[${msg.fields.routingKey}] ` : "";
    console.log(`RECEIVED: ${key}${msg.content.toString()}`);
  };
}

/** Options for {@link doTasks}. */
export interface TaskOptions {
  /** The character that stands for one second of work, e.g. `#`. */
  sleepChar: string;
}

/**
 * The message handler of a worker with manual acks: prints
 * `RECEIVED: task` (with ` (redelivered)` for a task another worker did not
 * finish), works one second per sleep character, prints `INFO: Done`, and
 * only then acks, so a worker that dies mid-task loses nothing.
 *
 * @example
 * ```ts
 * await channel.prefetch(1);
 * await channel.consume(QUEUE, doTasks(channel, QUEUE, { sleepChar: "#" }), { noAck: false });
 * ```
 */
export function doTasks(
  channel: Channel,
  queue: string,
  options: TaskOptions,
): (msg: ConsumeMessage | null) => Promise<void> {
  return async (msg) => {
    if (!msg) return queueDeleted(queue);
    const task = msg.content.toString();
    console.log(`RECEIVED: ${task}${msg.fields.redelivered ? " (redelivered)" : ""}`);
    await work(task, { sleepChar: options.sleepChar });
    printInfo("Done");
    channel.ack(msg);
  };
}

function queueDeleted(queue: string): never {
  fail(`The queue "${queue}" was deleted (by lab:reset, or by hand); start the program again`);
}

/** The form of a student's queue name, as error messages show it. */
export const STUDENT_NAME_FORM =
  "<group>_<surname>: a lowercase Latin group code with its number, an underscore, a lowercase Latin surname";
/** An example of a student's queue name. */
export const STUDENT_NAME_EXAMPLE = "inbo-04_laptev";

const STUDENT_NAME = /^[a-z]+(-[0-9]+)+_[a-z]+(-[a-z]+)*$/;

/** The flags that give the student's name: `--group` and `--surname`. */
export const STUDENT_OPTIONS = {
  group: {
    type: "string",
    description: 'your group code with its number, e.g. "inbo-04" (default: $LAB_GROUP)',
  },
  surname: {
    type: "string",
    description: 'your surname in lowercase Latin letters, e.g. "laptev" (default: $LAB_SURNAME)',
  },
} as const satisfies Record<string, OptionSpec>;

/** The flag that gives the whole queue name instead: `--queue inbo-04_laptev`. */
export const QUEUE_OPTION = {
  queue: {
    type: "string",
    description: "the whole queue name <group>_<surname>, instead of --group and --surname",
  },
} as const satisfies Record<string, OptionSpec>;

/** Where {@link studentName} looks for the student's name. */
export interface StudentValues {
  group?: string;
  surname?: string;
  queue?: string;
}

/**
 * Exits with a usage error (code 2) showing the expected form and an
 * example when `name` is not `<group>_<surname>`; returns it otherwise.
 *
 * @example
 * ```ts
 * checkStudentName("inbo-04_laptev"); // "inbo-04_laptev"
 * ```
 */
export function checkStudentName(name: string): string {
  if (!STUDENT_NAME.test(name)) {
    fail(
      `Invalid queue name "${name}": expected ${STUDENT_NAME_FORM}, e.g. "${STUDENT_NAME_EXAMPLE}"`,
      2,
    );
  }
  return name;
}

/**
 * The student's name `<group>_<surname>`: `--queue`, else `--group` and
 * `--surname`, else `LAB_GROUP` and `LAB_SURNAME` from the environment (or
 * `.env`). Exits with a usage error when it is missing or malformed; with
 * `required: false` returns `undefined` when none is given.
 *
 * @example
 * ```ts
 * const QUEUE = studentName(values); // "inbo-04_laptev"
 * ```
 */
export function studentName(values: StudentValues): string;
export function studentName(
  values: StudentValues,
  options: { required: false },
): string | undefined;
export function studentName(
  values: StudentValues,
  options: { required?: boolean } = {},
): string | undefined {
  if (values.queue !== undefined) return checkStudentName(values.queue);
  const group = values.group ?? Deno.env.get("LAB_GROUP");
  const surname = values.surname ?? Deno.env.get("LAB_SURNAME");
  if (!group && !surname && options.required === false) return undefined;
  if (!group || !surname) {
    fail(
      `Missing your ${
        group ? "surname" : "group"
      }: give --group and --surname (or LAB_GROUP and LAB_SURNAME in .env), e.g. "--group inbo-04 --surname laptev" for the queue "${STUDENT_NAME_EXAMPLE}"`,
      2,
    );
  }
  return checkStudentName(`${group}_${surname}`);
}

/**
 * The names of task 2's work queue and exchange for a student and an
 * exchange type: `<group>_<surname>_tasks` and `<group>_<surname>_<type>`,
 * so students sharing a training broker do not take each other's tasks.
 *
 * @example
 * ```ts
 * task2Names("inbo-04_laptev", "fanout");
 * // { queue: "inbo-04_laptev_tasks", exchange: "inbo-04_laptev_fanout" }
 * ```
 */
export function task2Names(
  student: string,
  exchangeType: string,
): { queue: string; exchange: string } {
  return { queue: task2Queue(student), exchange: `${student}_${exchangeType}` };
}

/**
 * The name of task 2's work queue for a student: `<group>_<surname>_tasks`.
 *
 * @example
 * ```ts
 * task2Queue("inbo-04_laptev"); // "inbo-04_laptev_tasks"
 * ```
 */
export function task2Queue(student: string): string {
  return `${student}_tasks`;
}
