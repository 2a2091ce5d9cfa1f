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
import { STUDENT_OPTIONS, studentFlags, studentName, type StudentValues } from "./names.ts";

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
 * `cli()` for the walk-through's programs: a queue or exchange that exists
 * with other settings is answered with {@link WALKTHROUGH_FIX}.
 *
 * @example
 * ```ts
 * const { brokers, values } = labCli("lab:1:send", {
 *   summary: 'Send "My first message" to the queue "awesome_queue" (lab 5, part 1)',
 *   options: { queue: "awesome_queue" },
 * });
 * ```
 */
export function labCli<O extends Record<string, Option> = Record<string, never>>(
  name: string,
  spec: ProgramSpec<O>,
): Cli<O> {
  return cli(name, { ...spec, redeclareFix: () => WALKTHROUGH_FIX });
}

/** What {@link studentCli} returns: `cli()`'s result and the student's name. */
export type StudentCli<O extends Record<string, Option>> = Cli<typeof STUDENT_OPTIONS & O> & {
  /** `<group>_<surname>`, checked. */
  student: string;
};

/**
 * `cli()` for the tasks' programs: adds `--group`, `--surname` and
 * `--queue`, reads the student's name from them (else `LAB_GROUP` and
 * `LAB_SURNAME`) and throws a usage error when it is missing or malformed;
 * a queue or exchange that exists with other settings is answered with
 * {@link resetFix}.
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
  const parsed = cli(name, {
    ...spec,
    options: { ...STUDENT_OPTIONS, ...spec.options } as typeof STUDENT_OPTIONS & O,
    // Reads the student's name: a usage error when it is missing or malformed.
    redeclareFix: (values) => resetFix(studentName(values as StudentValues)),
  });
  return { ...parsed, student: studentName(parsed.values as StudentValues) };
}
