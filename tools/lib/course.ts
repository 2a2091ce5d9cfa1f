/**
 * A course server for Lab 5, as `deno task setup --roster` makes it: the
 * roster read (CSV, or one student a line), a user per student named as
 * their queues, a generated password, the `management` tag, and
 * permissions that let each student configure, write and read only their
 * own names, the walk-through's shared ones and server-named queues.
 *
 * RabbitMQ's permissions are three regular expressions per user and vhost,
 * matched against the name of the queue or exchange an operation touches:
 * configure (declare, delete), write (publish to an exchange; bind: the
 * queue), read (consume, get, purge: the queue; bind: the exchange). See
 * docs/lab5.md, "For the teacher", for what each lab program needs and what
 * the regexes cannot stop.
 *
 * @module
 */
import { ProgramError } from "../../lib/program_error.ts";
import {
  checkGroup,
  checkStudentName,
  checkSurname,
  WALKTHROUGH_EXCHANGES,
  WALKTHROUGH_QUEUES,
} from "../../lib/lab/names.ts";

/** A user's permissions on one vhost: a regular expression each. */
export interface Permissions {
  configure: string;
  write: string;
  read: string;
}

/** Full permissions, for the teacher and for a user of the tutorials. */
export const ALL_PERMISSIONS: Permissions = { configure: ".*", write: ".*", read: ".*" };

/** `name` as a regular expression that matches it alone. */
function literal(name: string): string {
  return name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * A student's permissions on the course's vhost. Each regex matches:
 * - the student's own names: `<group>_<surname>` and every name that begins
 *   with `<group>_<surname>_` (task 2's `_tasks`, `_fanout`, `_direct`,
 *   `_topic`, and any the student makes up, e.g. `--queue
 *   inbo-04_ivanova_awesome` for a walk-through of their own). No other
 *   student's name matches: a group or surname holds no `_`, so a name that
 *   begins with `inbo-04_ivanova` followed by `_` or nothing is ivanova's;
 * - the walk-through's shared queues and exchanges (`awesome_queue`,
 *   `lab_task_queue`, `logs`, `direct_logs`, `stocks`);
 * - server-named queues, `amq.gen-...` (parts 3 to 5 declare them
 *   exclusive, so no one else can use them; a client cannot declare a name
 *   that starts with `amq.`).
 * Write also matches `amq.default`, the default exchange's name in
 * permission checks: `sendToQueue` publishes to it (parts 1 and 2, task 1).
 *
 * @example
 * ```ts
 * studentPermissions("inbo-04_ivanova").configure;
 * // "^(inbo-04_ivanova(_.*)?|awesome_queue|lab_task_queue|logs|direct_logs|stocks|amq\\.gen-.*)$"
 * ```
 */
export function studentPermissions(student: string): Permissions {
  const names = [
    `${literal(student)}(_.*)?`,
    ...[...WALKTHROUGH_QUEUES, ...WALKTHROUGH_EXCHANGES].map(literal),
    "amq\\.gen-.*",
  ].join("|");
  return { configure: `^(${names})$`, write: `^(${names}|amq\\.default)$`, read: `^(${names})$` };
}

/**
 * The students of a roster, as `<group>_<surname>`, each once, in the
 * roster's order. A line is a student: `group,surname` (CSV: a comma, a
 * semicolon or a tab between; later columns, such as a first name, are
 * ignored), `group surname`, or the queue-name form `group_surname`.
 * Upper case is lowered; blank lines, `#` comments and a header line whose
 * first column is "group" are skipped. A line that gives no valid name
 * throws a usage {@link ProgramError} naming the file and the line, before
 * anything is created.
 *
 * @example
 * ```ts
 * parseRoster("group,surname\nINBO-04,Ivanova\ninbo-04_petrov\n", "roster.csv");
 * // ["inbo-04_ivanova", "inbo-04_petrov"]
 * ```
 */
export function parseRoster(text: string, file: string): string[] {
  const students = new Set<string>();
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const fields = (/[,;\t]/.test(line) ? line.split(/[,;\t]/) : line.split(/\s+/))
      .map((field) => field.trim().replace(/^"(.*)"$/, "$1").trim().toLowerCase());
    if (students.size === 0 && fields[0] === "group") return; // a header
    const from = `${file} line ${index + 1}`;
    try {
      if (fields.length === 1 || fields[1] === "") {
        students.add(checkStudentName(fields[0]));
      } else {
        students.add(`${checkGroup(fields[0], from)}_${checkSurname(fields[1], from)}`);
      }
    } catch (error) {
      if (!(error instanceof ProgramError) || error.message.includes(`(from ${from})`)) throw error;
      throw new ProgramError(`${from}: ${error.message}`, "usage");
    }
  });
  if (students.size === 0) {
    throw new ProgramError(
      `No students in ${file}: expected one a line, "group,surname" (e.g. "inbo-04,ivanova") or "inbo-04_ivanova"`,
      "usage",
    );
  }
  return [...students];
}

/** The letters and digits of a generated password: nothing a URL would have to escape. */
const PASSWORD_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/**
 * A random password of `length` letters and digits (about 5.95 bits each:
 * 24 give 142 bits), drawn without bias from the system's random source.
 */
export function newPassword(length = 24): string {
  let password = "";
  const limit = 256 - (256 % PASSWORD_ALPHABET.length); // bytes at or above it would bias
  while (password.length < length) {
    for (const byte of crypto.getRandomValues(new Uint8Array(length))) {
      if (byte < limit && password.length < length) {
        password += PASSWORD_ALPHABET[byte % PASSWORD_ALPHABET.length];
      }
    }
  }
  return password;
}

/** A user as the management API shows it to an administrator. */
export interface ApiUser {
  name: string;
  tags: string | string[];
  password_hash: string;
  hashing_algorithm: string;
}

/** A user's tags as a list (the API gives a list on 3.10 and 4.x, a string on older ones). */
export function tagsOf(user: Pick<ApiUser, "tags">): string[] {
  return [user.tags].flat().flatMap((tags) => tags.split(",")).filter((tag) => tag !== "");
}

/** The same permissions. */
export function samePermissions(a: Permissions | undefined, b: Permissions): boolean {
  return a !== undefined && a.configure === b.configure && a.write === b.write &&
    a.read === b.read;
}
