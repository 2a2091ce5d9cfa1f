/**
 * The one error class of lib: a failure a program detects itself.
 *
 * @module
 */

/**
 * A failure a program detected itself, with a message that is already the
 * sentence to print: `usage` (exit code 2: the command line is wrong) or
 * `runtime` (exit code 1).
 *
 * @example
 * ```ts
 * throw new ProgramError(`Invalid n "${arg}": expected a whole number such as 30`, "usage");
 * ```
 */
export class ProgramError extends Error {
  /** `usage`: the command line is wrong; `runtime`: anything else. */
  readonly kind: "usage" | "runtime";
  /** The exit code: 2 for a usage error, 1 otherwise, unless the program says otherwise. */
  readonly exitCode: number;

  constructor(
    message: string,
    kind: "usage" | "runtime" = "runtime",
    exitCode = kind === "usage" ? 2 : 1,
  ) {
    super(message);
    this.name = "ProgramError";
    this.kind = kind;
    this.exitCode = exitCode;
  }
}
