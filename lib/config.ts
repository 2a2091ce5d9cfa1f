/**
 * Reading a program's flags and the broker URL, with `--help` and a usage
 * message on misuse.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { TLS_PARAMETERS } from "./connect.ts";
import { fail } from "./errors.ts";
import { maskUrl } from "./url.ts";

/** The default broker URL, used when no `--url`, `AMQP_URL` or `.env` gives one. */
export const DEFAULT_URL = "amqp://localhost";

/** One flag of a program. */
export interface OptionSpec {
  /** `string` takes a value (`--queue jobs`), `boolean` does not (`--mandatory`). */
  type: "string" | "boolean";
  /** One line for `--help`. */
  description: string;
  /** The value when the flag is not given. */
  default?: string;
  /** A one-letter alias, e.g. `n` for `-n`. */
  short?: string;
}

/** What a program accepts, for parsing and for its `--help`. */
export interface ProgramSpec<T extends Record<string, OptionSpec>> {
  /** The task name: `deno task <name>`. */
  name: string;
  /** One line saying what the program does. */
  summary: string;
  /** The positional arguments as the usage line shows them, e.g. `[message...]`. */
  args?: string;
  /** Fewest positional arguments (default 0). */
  minArgs?: number;
  /** Most positional arguments (default: no limit). */
  maxArgs?: number;
  /** Exit code when there are too few positional arguments (default 2). */
  missingArgsCode?: number;
  /** The program's own flags; `--url`, the TLS flags and `--help` are added. */
  options?: T;
  /** A long-running consumer: adds `--no-reconnect`. */
  consumer?: boolean;
}

/** The values of a program's flags, typed from its {@link ProgramSpec}. */
export type OptionValues<T extends Record<string, OptionSpec>> = {
  [K in keyof T]: T[K]["type"] extends "boolean" ? boolean
    : T[K] extends { default: string } ? string
    : string | undefined;
};

/** What {@link parseCli} returns. */
export interface Cli<T extends Record<string, OptionSpec>> {
  /**
   * The broker URL: `--url`, else `AMQP_URL` (which `.env` may set), else
   * `amqp://localhost`; `--ca`, `--cert`, `--key` (or `AMQP_CA`, `AMQP_CERT`,
   * `AMQP_KEY`) are added as its `cacertfile`, `certfile`, `keyfile` parameters.
   */
  url: string;
  /** For consumers: reconnect when the connection drops (false with `--no-reconnect`). */
  reconnect: boolean;
  /** The program's flags. */
  values: OptionValues<T>;
  /** The positional arguments. */
  positionals: string[];
}

/**
 * Parses `Deno.args` for a program. `--help` prints the help and exits 0;
 * misuse prints what was wrong and the usage line on stderr and exits 2.
 *
 * @example
 * ```ts
 * const { url, values, positionals } = parseCli({
 *   name: "new_task",
 *   summary: "Queue a task",
 *   args: "[message...]",
 *   options: { queue: { type: "string", default: "task_queue", description: "queue" } },
 * });
 * ```
 */
export function parseCli<T extends Record<string, OptionSpec> = Record<string, never>>(
  spec: ProgramSpec<T>,
  args: string[] = Deno.args,
): Cli<T> {
  const options = {
    ...(spec.options ?? {}),
    url: { type: "string", description: "broker URL (default: $AMQP_URL, .env, amqp://localhost)" },
    ...(spec.consumer
      ? { "no-reconnect": { type: "boolean", description: "exit when the connection drops" } }
      : {}),
    ca: { type: "string", description: "TLS: CA certificate file (PEM) to trust ($AMQP_CA)" },
    cert: { type: "string", description: "TLS: client certificate file (PEM) ($AMQP_CERT)" },
    key: { type: "string", description: "TLS: client private key file (PEM) ($AMQP_KEY)" },
    help: { type: "boolean", short: "h", description: "show this help" },
  } as Record<string, OptionSpec>;
  let parsed;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    usageError(spec, parseArgsMessage(error));
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(helpText(spec, options));
    Deno.exit(0);
  }
  for (const [key, option] of Object.entries(options)) {
    // An empty name would mean something else to the broker: for a queue, "make up a name".
    if (option.type === "string" && (values[key] as string | undefined)?.trim() === "") {
      const instead = option.default === undefined
        ? ""
        : `, or leave the option out for "${option.default}"`;
      usageError(spec, `Empty value for --${key}: give one${instead}`);
    }
  }
  if (positionals.length < (spec.minArgs ?? 0)) {
    usageError(spec, `Missing arguments: expected ${spec.args}`, spec.missingArgsCode);
  }
  if (positionals.length > (spec.maxArgs ?? Infinity)) {
    usageError(
      spec,
      `Too many arguments: expected ${spec.args ?? "none"}, got "${positionals.join(" ")}"`,
    );
  }
  let url = (values.url as string | undefined) ?? Deno.env.get("AMQP_URL") ?? DEFAULT_URL;
  checkUrl(spec, url);
  url = withTlsFiles(url, values as Record<string, string | undefined>);
  for (const [key, option] of Object.entries(options)) {
    if (values[key] === undefined && option.type === "boolean") values[key] = false;
    if (values[key] === undefined && option.default !== undefined) values[key] = option.default;
  }
  const reconnect = !values["no-reconnect"];
  return { url, reconnect, values: values as OptionValues<T>, positionals };
}

function withTlsFiles(url: string, values: Record<string, string | undefined>): string {
  const parsed = new URL(url);
  for (const [option, parameter] of Object.entries(TLS_PARAMETERS)) {
    const path = values[option] ?? Deno.env.get(`AMQP_${option.toUpperCase()}`);
    if (path) parsed.searchParams.set(parameter, path);
  }
  return parsed.search ? parsed.href : url;
}

/**
 * Reads a flag's value as a whole number of at least `min`, or fails with a usage error.
 *
 * @example
 * ```ts
 * const count = intOption("count", values.count, 1);
 * ```
 */
export function intOption(name: string, value: string, min = 0): number {
  const number = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(number) || number < min) {
    fail(`Invalid value for --${name}: "${value}" is not a whole number of at least ${min}`, 2);
  }
  return number;
}

function checkUrl(spec: ProgramSpec<Record<string, OptionSpec>>, url: string): void {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    // reported below
  }
  if (!parsed || !["amqp:", "amqps:"].includes(parsed.protocol) || !parsed.hostname) {
    usageError(
      spec,
      `Invalid broker URL "${maskUrl(url)}": expected amqp://user:password@host:port/vhost`,
    );
  }
}

function parseArgsMessage(error: unknown): string {
  const err = error as { code?: string; message: string };
  const option = err.message.match(/'(-[^']*)'/)?.[1];
  switch (err.code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return `Unknown option "${option}"`;
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      return /argument missing/.test(err.message)
        ? `Option "${option}" needs a value`
        : `Option "${option}" takes no value`;
    default:
      return err.message;
  }
}

function usageLine(spec: ProgramSpec<Record<string, OptionSpec>>): string {
  return `Usage: deno task ${spec.name} [options]${spec.args ? ` ${spec.args}` : ""}`;
}

function usageError(
  spec: ProgramSpec<Record<string, OptionSpec>>,
  message: string,
  code = 2,
): never {
  // "expected [binding_key]..." already ends with dots.
  fail(`${message}${message.endsWith(".") ? "" : "."} ${usageLine(spec)} (--help for more)`, code);
}

function helpText(
  spec: ProgramSpec<Record<string, OptionSpec>>,
  options: Record<string, OptionSpec>,
): string {
  const rows = Object.entries(options).map(([name, option]) => {
    const flag = `${option.short ? `-${option.short}, ` : ""}--${name}${
      option.type === "string" ? ` ${name.toUpperCase()}` : ""
    }`;
    const fallback = option.default !== undefined ? ` (default: ${option.default})` : "";
    return `  ${flag.padEnd(26)} ${option.description}${fallback}`;
  });
  return `${spec.summary}\n\n${usageLine(spec)}\n\nOptions:\n${rows.join("\n")}`;
}
