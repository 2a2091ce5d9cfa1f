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
    description:
      'your group code with its number, e.g. "inbo-04" (default: $LAB_GROUP, else your login\'s on a course server)',
  },
  surname: {
    type: "string",
    description:
      'your surname in lowercase Latin letters, e.g. "laptev" (default: $LAB_SURNAME, else your login\'s on a course server)',
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
 * Latin letters that Cyrillic ones look like: a student who switched keyboard
 * layout for one letter sees a name that looks right.
 */
const LATIN_LOOKALIKES: Record<string, string> = {
  "а": "a",
  "с": "c",
  "ԁ": "d",
  "е": "e",
  "һ": "h",
  "і": "i",
  "ј": "j",
  "к": "k",
  "о": "o",
  "р": "p",
  "ԛ": "q",
  "ѕ": "s",
  "у": "y",
  "х": "x",
  "ԝ": "w",
};

/** The script a letter belongs to, as a sentence names it. */
function scriptOf(letter: string): string {
  if (/\p{Script=Cyrillic}/u.test(letter)) return "Cyrillic";
  if (/\p{Script=Greek}/u.test(letter)) return "Greek";
  return "non-Latin";
}

/**
 * Why `text` (a group, a surname or a whole name) is not in Latin letters,
 * or `undefined` when every letter in it is Latin: written wholly in another
 * script, or one letter of another script among Latin ones, named by its
 * position, its code point and the Latin letter it looks like.
 *
 * @example
 * ```ts
 * notLatin("ivаnova", "laptev"); // 'character 3, "а" (U+0430), is a Cyrillic letter among Latin ones, ...'
 * ```
 */
export function notLatin(text: string, example: string): string | undefined {
  const characters = [...text];
  const letters = characters.filter((c) => /\p{L}/u.test(c));
  const foreign = letters.filter((c) => !/[a-zA-Z]/.test(c));
  if (foreign.length === 0) return undefined;
  if (foreign.length === letters.length) {
    return `it is written in ${
      scriptOf(foreign[0])
    } letters; write it in lowercase Latin letters (transliterated), e.g. "${example}"`;
  }
  const letter = foreign[0];
  const position = characters.indexOf(letter) + 1;
  const code = `U+${letter.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
  const looksLike = LATIN_LOOKALIKES[letter.toLowerCase()];
  return `character ${position}, "${letter}" (${code}), is a ${
    scriptOf(letter)
  } letter among Latin ones${
    looksLike ? `, though it looks like the Latin "${looksLike}"` : ""
  }; type it again with the keyboard in the Latin (English) layout`;
}

/**
 * A warning for a group whose number has other than two digits (the
 * course's groups are written "inbo-04"): `inbo-4` or `inbo-004` is most
 * likely a typo, which would name every queue wrongly; `undefined` when
 * every number of the group has two digits.
 *
 * @example
 * ```ts
 * groupWarning("inbo-4"); // 'WARNING: the group "inbo-4" has a number of 1 digit ...'
 * ```
 */
export function groupWarning(group: string): string | undefined {
  const [letters, ...numbers] = group.split("-");
  const odd = numbers.find((number) => number.length !== 2);
  if (odd === undefined) return undefined;
  const twoDigits = numbers.map((number) => String(Number(number)).padStart(2, "0"));
  const guess = twoDigits.every((number) => number.length === 2)
    ? ` (did you mean "${[letters, ...twoDigits].join("-")}"?)`
    : "";
  return `WARNING: the group "${group}" has a number of ${odd.length} digit${
    odd.length === 1 ? "" : "s"
  }, "${odd}", where the course's groups have two, as in "inbo-04"${guess}; your queues and exchanges are named with "${group}" as given`;
}

/**
 * The student a login is, when the user name of the URL is itself a
 * student's name `<group>_<surname>`, as `deno task setup --roster` names
 * the users of a course server; `undefined` for any other user (guest, a
 * teacher).
 *
 * @example
 * ```ts
 * loginStudent("amqp://inbo-04_ivanova:pw@rabbit.example.org/lab5"); // "inbo-04_ivanova"
 * ```
 */
export function loginStudent(url: string | undefined): string | undefined {
  if (!url) return undefined;
  let user;
  try {
    user = decodeURIComponent(new URL(url).username);
  } catch {
    return undefined;
  }
  const [group, ...rest] = user.split("_");
  return rest.length === 1 && GROUP.test(group) && SURNAME.test(rest[0]) ? user : undefined;
}

/**
 * Throws a usage {@link ProgramError} when the student's name is not that
 * of the login (see {@link loginStudent}): on a course server each student
 * may use only their own queues and exchanges, and a typo in the name
 * (`inbo-4`, `ibno-04`) shows here, with the first character that differs.
 * Returns the name otherwise.
 *
 * @example
 * ```ts
 * checkLogin("inbo-04_ivanova", "amqp://inbo-04_ivanova:pw@host/lab5"); // "inbo-04_ivanova"
 * ```
 */
export function checkLogin(student: string, url: string | undefined): string {
  const login = loginStudent(url);
  if (login === undefined || login === student) return student;
  const given = [...student];
  const own = [...login];
  let i = 0;
  while (given[i] === own[i]) i++;
  const theirs = given[i] === undefined ? "nothing" : `"${given[i]}"`;
  const yours = own[i] === undefined ? "nothing" : `"${own[i]}"`;
  throw usage(
    `The name "${student}" is not yours: you log in as "${login}" (character ${
      i + 1
    } is ${theirs} where your login has ${yours}), and on a course server each student may use only their own queues and exchanges; give your own name, or none: your login gives it`,
  );
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
  const script = notLatin(name, STUDENT_NAME_EXAMPLE);
  if (script) throw usage(`Invalid queue name "${name}": ${script}`);
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
  const script = notLatin(group, "inbo-04");
  if (script) throw usage(`Invalid group ${shown}: ${script}`);
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
  const script = notLatin(surname, "laptev");
  if (script) {
    throw usage(`Invalid surname "${surname}"${from ? ` (from ${from})` : ""}: ${script}`);
  }
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
 * `.env`), else the login's (`login`: the broker URL, whose user is the
 * student's name on a course server, see {@link loginStudent}), each
 * checked; a part nobody gave is `undefined`.
 *
 * @example
 * ```ts
 * studentParts({ group: "inbo-04" }, () => undefined); // { group: "inbo-04", surname: undefined }
 * ```
 */
export function studentParts(
  values: StudentValues,
  env: Env = processEnv,
  login?: string,
): StudentParts {
  if (values.queue !== undefined) {
    const [group, surname] = checkStudentName(values.queue).split("_");
    return { group, surname };
  }
  const [loginGroup, loginSurname] = loginStudent(login)?.split("_") ?? [];
  const part = (
    given: string | undefined,
    variable: string,
    check: typeof checkGroup,
    fromLogin: string | undefined,
  ) => {
    if (given !== undefined) return check(given);
    const fromEnv = env(variable);
    return fromEnv ? check(fromEnv, variable) : fromLogin;
  };
  return {
    group: part(values.group, "LAB_GROUP", checkGroup, loginGroup),
    surname: part(values.surname, "LAB_SURNAME", checkSurname, loginSurname),
  };
}

/** Options for {@link studentName}. */
export interface NameOptions {
  /** `false`: no name at all is fine (`undefined`); a part alone is still an error. */
  required?: boolean;
  /** The broker URL: its user gives the name when it is a student's (see {@link loginStudent}). */
  login?: string;
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
export function studentName(values: StudentValues, env?: Env, options?: NameOptions): string;
export function studentName(
  values: StudentValues,
  env: Env | undefined,
  options: NameOptions & { required: false },
): string | undefined;
export function studentName(
  values: StudentValues,
  env: Env = processEnv,
  options: NameOptions = {},
): string | undefined {
  const { group, surname } = studentParts(values, env, options.login);
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
