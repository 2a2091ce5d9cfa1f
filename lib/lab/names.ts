/**
 * Lab 5's names: the walk-through's shared queues and exchanges, and the
 * student's own, `<group>_<surname>` and the names task 2 derives from it.
 * Names are checked before a program connects; a wrong one is a usage
 * error that says which part is wrong and shows the right form.
 *
 * @module
 */
import type { OptionSpec } from "../cli.ts";
import { ProgramError } from "../program_error.ts";
import { TASK2_VARIANTS } from "./variants.ts";

/** Walk-through part 1: the queue the first message goes to. */
export const AWESOME_QUEUE = "awesome_queue";
/**
 * Walk-through part 2: the durable classic work queue. Not tutorial 2's
 * `task_queue`, which is a quorum queue: on one broker, the second to
 * declare a queue of that name with other arguments would be refused.
 */
export const LAB_TASK_QUEUE = "lab_task_queue";
/** Walk-through part 3: the fanout exchange, declared as tutorial 3 declares it. */
export const LOGS_EXCHANGE = "logs";
/** Walk-through part 4: the direct exchange, declared as tutorial 4 declares it. */
export const DIRECT_EXCHANGE = "direct_logs";
/** Walk-through part 5: the topic exchange for stock quotes. */
export const STOCKS_EXCHANGE = "stocks";

/** The queues the walk-through declares by name (parts 3 to 5 use server-named ones). */
export const WALKTHROUGH_QUEUES: readonly string[] = [AWESOME_QUEUE, LAB_TASK_QUEUE];
/** The exchanges the walk-through declares. */
export const WALKTHROUGH_EXCHANGES: readonly string[] = [
  LOGS_EXCHANGE,
  DIRECT_EXCHANGE,
  STOCKS_EXCHANGE,
];

/** The form of a student's queue name, as error messages show it. */
export const STUDENT_NAME_FORM =
  "<group>_<surname>: a lowercase Latin group code, a hyphen and the group's number, an underscore, a lowercase Latin surname";
/** An example of a student's queue name. */
export const STUDENT_NAME_EXAMPLE = "inbo-04_laptev";

const GROUP = /^[a-z]+(-[0-9]+)+$/;
const SURNAME = /^[a-z]+(-[a-z]+)*$/;
/** A group code typed without the hyphen before its number, e.g. `inbo04`. */
const GROUP_WITHOUT_HYPHEN = /^([a-z]+)([0-9]+)$/;

/**
 * The flags that give the student's name: `--group` and `--surname`, or
 * `--queue` for the whole of it (task 1's queue name).
 */
export const STUDENT_OPTIONS = {
  group: {
    type: "string",
    description: 'your group code with its number, e.g. "inbo-04" (default: $LAB_GROUP)',
  },
  surname: {
    type: "string",
    description: 'your surname in lowercase Latin letters, e.g. "laptev" (default: $LAB_SURNAME)',
  },
  queue: {
    type: "string",
    description:
      "your name <group>_<surname> in one piece (task 1's queue name), instead of --group and --surname",
  },
} as const satisfies Record<string, OptionSpec>;

/** Where {@link studentName} looks for the student's name: the values of {@link STUDENT_OPTIONS}. */
export interface StudentValues {
  group?: string;
  surname?: string;
  queue?: string;
}

/** Reads an environment variable; the default reads the process's environment. */
export type Env = (name: string) => string | undefined;

const processEnv: Env = (name) => Deno.env.get(name);

function usage(message: string): ProgramError {
  return new ProgramError(message, "usage");
}

/**
 * Throws a usage {@link ProgramError} showing the expected form and an
 * example when `name` is not `<group>_<surname>`; returns it otherwise.
 *
 * @example
 * ```ts
 * checkStudentName("inbo-04_laptev"); // "inbo-04_laptev"
 * checkStudentName("inbo04_laptev"); // throws: the hyphen before the group's number is required
 * ```
 */
export function checkStudentName(name: string): string {
  const [group, ...rest] = name.split("_");
  if (rest.length === 1 && GROUP.test(group) && SURNAME.test(rest[0])) return name;
  const hyphenless = group.match(GROUP_WITHOUT_HYPHEN);
  if (rest.length === 1 && hyphenless && SURNAME.test(rest[0])) {
    throw usage(
      `Invalid queue name "${name}": the hyphen before the group's number is required, as in "${
        hyphenless[1]
      }-${hyphenless[2]}_${rest[0]}"`,
    );
  }
  throw usage(
    `Invalid queue name "${name}": expected ${STUDENT_NAME_FORM}, e.g. "${STUDENT_NAME_EXAMPLE}"`,
  );
}

/**
 * Throws a usage {@link ProgramError} saying what is wrong with a group
 * code (`from` names where it came from, e.g. `LAB_GROUP`); returns it when
 * it is lowercase Latin letters, a hyphen and a number.
 *
 * @example
 * ```ts
 * checkGroup("inbo-04"); // "inbo-04"
 * checkGroup("inbo04"); // throws: the hyphen before the number is required, as in "inbo-04"
 * ```
 */
export function checkGroup(group: string, from?: string): string {
  if (GROUP.test(group)) return group;
  const shown = `"${group}"${from ? ` (from ${from})` : ""}`;
  const hyphenless = group.match(GROUP_WITHOUT_HYPHEN);
  if (hyphenless) {
    throw usage(
      `Invalid group ${shown}: the hyphen before the number is required, as in "${hyphenless[1]}-${
        hyphenless[2]
      }"`,
    );
  }
  throw usage(
    `Invalid group ${shown}: expected lowercase Latin letters, a hyphen and the group's number, e.g. "inbo-04"`,
  );
}

/**
 * Throws a usage {@link ProgramError} saying what is wrong with a surname;
 * returns it when it is lowercase Latin letters (with hyphens between the
 * parts of a double-barrelled one).
 *
 * @example
 * ```ts
 * checkSurname("rimsky-korsakov"); // "rimsky-korsakov"
 * ```
 */
export function checkSurname(surname: string, from?: string): string {
  if (SURNAME.test(surname)) return surname;
  throw usage(
    `Invalid surname "${surname}"${
      from ? ` (from ${from})` : ""
    }: expected lowercase Latin letters (a hyphen only between the parts of a double-barrelled surname), e.g. "laptev"`,
  );
}

/** A student's group and surname, each where given. */
export interface StudentParts {
  group?: string;
  surname?: string;
}

/**
 * The group and surname given: from `--queue`, else `--group` and
 * `--surname`, else `LAB_GROUP` and `LAB_SURNAME` (the environment or
 * `.env`), each checked; a part nobody gave is `undefined`.
 *
 * @example
 * ```ts
 * studentParts({ group: "inbo-04" }, () => undefined); // { group: "inbo-04", surname: undefined }
 * ```
 */
export function studentParts(values: StudentValues, env: Env = processEnv): StudentParts {
  if (values.queue !== undefined) {
    const [group, surname] = checkStudentName(values.queue).split("_");
    return { group, surname };
  }
  const part = (given: string | undefined, variable: string, check: typeof checkGroup) => {
    if (given !== undefined) return check(given);
    const fromEnv = env(variable);
    return fromEnv ? check(fromEnv, variable) : undefined;
  };
  return {
    group: part(values.group, "LAB_GROUP", checkGroup),
    surname: part(values.surname, "LAB_SURNAME", checkSurname),
  };
}

/**
 * The student's name `<group>_<surname>` (see {@link studentParts}).
 * Throws a usage {@link ProgramError} when a part is missing or malformed;
 * with `required: false`, returns `undefined` when no part is given.
 *
 * @example
 * ```ts
 * studentName({ group: "inbo-04", surname: "laptev" }); // "inbo-04_laptev"
 * ```
 */
export function studentName(values: StudentValues, env?: Env): string;
export function studentName(
  values: StudentValues,
  env: Env | undefined,
  options: { required: false },
): string | undefined;
export function studentName(
  values: StudentValues,
  env: Env = processEnv,
  options: { required?: boolean } = {},
): string | undefined {
  const { group, surname } = studentParts(values, env);
  if (!group && !surname && options.required === false) return undefined;
  if (!group || !surname) {
    throw usage(
      `Missing your ${
        group ? "surname" : "group"
      }: give --group and --surname (or LAB_GROUP and LAB_SURNAME in .env), e.g. "--group inbo-04 --surname laptev" for the queue "${STUDENT_NAME_EXAMPLE}"`,
    );
  }
  return `${group}_${surname}`;
}

/**
 * The flags that give a student's name to a program, e.g. for the command
 * an error message advises.
 *
 * @example
 * ```ts
 * studentFlags("inbo-04_laptev"); // "--group inbo-04 --surname laptev"
 * ```
 */
export function studentFlags(student: string): string {
  const [group, surname] = student.split("_");
  return `--group ${group} --surname ${surname}`;
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
  return { queue: `${student}_tasks`, exchange: `${student}_${exchangeType}` };
}

/**
 * Every queue and exchange the lab's task programs declare for a student:
 * task 1's queue, task 2's queue, and one task 2 exchange per variant.
 *
 * @example
 * ```ts
 * studentObjects("inbo-04_laptev").queues; // ["inbo-04_laptev", "inbo-04_laptev_tasks"]
 * ```
 */
export function studentObjects(student: string): { queues: string[]; exchanges: string[] } {
  return {
    queues: [student, task2Names(student, "").queue],
    exchanges: TASK2_VARIANTS.map((variant) => task2Names(student, variant.exchangeType).exchange),
  };
}
