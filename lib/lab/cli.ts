/**
 * The command line of Lab 5's programs: `cli()` plus the student's name
 * (`--group`, `--surname`, or `--queue`), and the lab's advice when a queue
 * or exchange already exists with other settings (as after switching
 * variants): the `lab:reset` command that deletes it safely on a shared
 * broker, instead of `rabbitmqctl`, which students do not have there.
 *
 * @module
 */
import { type Cli, cli, type Option, type ProgramSpec } from "../cli.ts";
import { urlParts } from "../url.ts";
import {
  checkLogin,
  groupWarning,
  STUDENT_OPTIONS,
  studentFlags,
  studentName,
  type StudentValues,
  WALKTHROUGH_EXCHANGES,
  WALKTHROUGH_QUEUES,
} from "./names.ts";

/** The walk-through's advice for a queue or exchange declared with other settings. */
export const WALKTHROUGH_FIX =
  `delete the walk-through's queues and exchanges that no program is using with "deno task lab:reset --walkthrough" and run again`;

/**
 * The task programs' advice for a queue or exchange declared with other
 * settings: `lab:reset` with the student's name deletes only their own
 * objects, and none that a running program uses.
 *
 * @example
 * ```ts
 * resetFix("inbo-04_laptev");
 * // 'delete your lab queues and exchanges with "deno task lab:reset --group inbo-04 --surname laptev" and run again'
 * ```
 */
export function resetFix(student: string): string {
  return `delete your lab queues and exchanges with "deno task lab:reset ${
    studentFlags(student)
  }" and run again`;
}

/**
 * The lab's advice for a refused vhost: a student cannot create one, the
 * teacher gave it (the tutorials' sentence names rabbitmqctl instead).
 */
export const VHOST_FIX =
  "check the vhost at the end of your URL (AMQP_URL in .env, or --url), or ask your teacher";

/**
 * The lab's advice for a queue or exchange the broker refuses the user: on
 * a course server set up with `deno task setup --roster`, each student may
 * use only their own names and the walk-through's.
 */
export const ACCESS_FIX =
  "on a course server each student may use only their own queues and exchanges (<group>_<surname> and names that begin with <group>_<surname>_) and the walk-through's shared ones; check the names you gave, or ask your teacher";

/** The lab's fixes for the handler's sentences, for every lab program. */
const LAB_FIXES = { vhostFix: VHOST_FIX, accessFix: ACCESS_FIX };

/** What {@link labCli} returns: `cli()`'s result and the vhost, for {@link usingLine}. */
export type LabCli<O extends Record<string, Option>> = Cli<O> & {
  /** The vhost of the (first) broker URL, `/` when it names none. */
  vhost: string;
};

/**
 * `cli()` for the walk-through's programs: a queue or exchange that exists
 * with other settings is answered with {@link WALKTHROUGH_FIX}, a refused
 * vhost or queue with the lab's advice for students.
 *
 * @example
 * ```ts
 * const { brokers, values, vhost } = labCli("lab:1:send", {
 *   summary: 'Send "My first message" to the queue "awesome_queue" (lab 5, part 1)',
 *   options: { queue: "awesome_queue" },
 * });
 * ```
 */
export function labCli<O extends Record<string, Option> = Record<string, never>>(
  name: string,
  spec: ProgramSpec<O>,
): LabCli<O> {
  const parsed = cli(name, { ...spec, ...LAB_FIXES, redeclareFix: () => WALKTHROUGH_FIX });
  return { ...parsed, vhost: urlParts(parsed.url).vhost };
}

/**
 * The first INFO line of a lab program: the queue and the exchange it uses
 * and the vhost, so that a mistyped name or vhost shows at once; a
 * walk-through's name says that it is shared by everyone on the vhost.
 *
 * @example
 * ```ts
 * usingLine("lab5", { queue: "inbo-04_laptev" }); // 'INFO: Queue "inbo-04_laptev" in vhost "lab5"'
 * ```
 */
export function usingLine(vhost: string, objects: { exchange?: string; queue?: string }): string {
  const { exchange, queue } = objects;
  const named = [
    ...(exchange === undefined ? [] : [`exchange "${exchange}"`]),
    ...(queue === undefined ? [] : [`queue "${queue}"`]),
  ].join(" and ");
  const shared = [
    ...(exchange !== undefined && WALKTHROUGH_EXCHANGES.includes(exchange) ? [exchange] : []),
    ...(queue !== undefined && WALKTHROUGH_QUEUES.includes(queue) ? [queue] : []),
  ];
  const note = shared.length === 0
    ? ""
    : ` ("${shared[0]}" is the walk-through's: shared by everyone on this vhost)`;
  return `INFO: ${named[0].toUpperCase()}${named.slice(1)} in vhost "${vhost}"${note}`;
}

/** What {@link studentCli} returns: `cli()`'s result, the vhost and the student's name. */
export type StudentCli<O extends Record<string, Option>> = LabCli<typeof STUDENT_OPTIONS & O> & {
  /** `<group>_<surname>`, checked. */
  student: string;
};

/**
 * The student's name from a lab program's flags, `.env` or login (see
 * `studentName`), checked against the login of `url` (`checkLogin`), with
 * a warning on stderr for a group number that looks mistyped
 * (`groupWarning`). With `required: false`, `undefined` when none is given.
 */
export function readStudent(
  values: StudentValues,
  url: string,
  options: { required?: boolean } = {},
): string | undefined {
  const student = options.required === false
    ? studentName(values, undefined, { required: false, login: url })
    : studentName(values, undefined, { login: url });
  if (student === undefined) return undefined;
  checkLogin(student, url);
  const warning = groupWarning(student.split("_")[0]);
  if (warning) console.error(warning);
  return student;
}

/**
 * `cli()` for the tasks' programs: adds `--group`, `--surname` and
 * `--queue`, reads the student's name from them (else `LAB_GROUP` and
 * `LAB_SURNAME`, else the login's) and throws a usage error when it is
 * missing, malformed, or not the login's ({@link readStudent}); a queue or
 * exchange that exists with other settings is answered with
 * {@link resetFix}, a refused vhost or queue with the lab's advice.
 *
 * @example
 * ```ts
 * const { brokers, student } = studentCli("lab1:durable:send", {
 *   summary: "Send a message to your durable queue <group>_<surname>",
 *   args: "[message...]",
 * });
 * ```
 */
export function studentCli<O extends Record<string, Option> = Record<string, never>>(
  name: string,
  spec: ProgramSpec<O>,
): StudentCli<O> {
  let student = "";
  const parsed = cli(name, {
    ...spec,
    ...LAB_FIXES,
    options: { ...STUDENT_OPTIONS, ...spec.options } as typeof STUDENT_OPTIONS & O,
    // Reads the student's name once the command line is read: a usage error when it is
    // missing, malformed, or not the login's.
    redeclareFix: (values, url) => resetFix(student = readStudent(values as StudentValues, url)!),
  });
  return { ...parsed, vhost: urlParts(parsed.url).vhost, student };
}
