/**
 * Running a command to its end: the one command runner of the tools, the
 * bench and the tests (rabbitmqctl, docker, ps, openssl, python3 ...). A
 * program whose lines are read while it runs is a `Program`
 * (tools/lib/program.ts) instead.
 *
 * @module
 */
import { ProgramError } from "../../lib/program_error.ts";

const PROJECT_ROOT = new URL("../../", import.meta.url);

/** Options for {@link run}, {@link output} and {@link succeeds}. */
export interface CommandOptions {
  /** Environment variables, added to this process's (or all of them, with `clearEnv`). */
  env?: Record<string, string>;
  /** Give the command `env` alone, nothing of this process's environment. */
  clearEnv?: boolean;
  /** Where it runs (default: the project's folder, where compose.yaml is). */
  cwd?: string | URL;
}

async function spawn(command: string, args: string[], options: CommandOptions) {
  return await new Deno.Command(command, {
    args,
    env: options.env,
    clearEnv: options.clearEnv,
    cwd: options.cwd ?? PROJECT_ROOT,
    stdin: "null",
  }).output();
}

const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/**
 * Runs the command and resolves with its standard output; throws a
 * ProgramError with the last lines it printed when it fails.
 *
 * @example
 * ```ts
 * const version = await run("rabbitmqctl", ["-q", "version"]);
 * ```
 */
export async function run(
  command: string,
  args: string[],
  options: CommandOptions = {},
): Promise<string> {
  const result = await spawn(command, args, options);
  if (!result.success) {
    const said = decode(result.stderr).trim() || decode(result.stdout).trim();
    const last = said.split("\n").filter(Boolean).slice(-3).join(" ");
    throw new ProgramError(`"${command.split("/").pop()} ${args.join(" ")}" failed: ${last}`);
  }
  return decode(result.stdout);
}

/**
 * The command's standard output if it succeeds; undefined if it fails or
 * is not installed.
 *
 * @example
 * ```ts
 * const node = await output("node", ["--version"]); // "v20.20.0\n"
 * ```
 */
export async function output(
  command: string,
  args: string[],
  options: CommandOptions = {},
): Promise<string | undefined> {
  try {
    const result = await spawn(command, args, options);
    return result.success ? decode(result.stdout) : undefined;
  } catch {
    return undefined; // not installed
  }
}

/**
 * Whether the command is installed and succeeds.
 *
 * @example
 * ```ts
 * if (await succeeds("which", ["openssl"])) console.log("openssl is here");
 * ```
 */
export async function succeeds(
  command: string,
  args: string[],
  options: CommandOptions = {},
): Promise<boolean> {
  return await output(command, args, options) !== undefined;
}
