/**
 * A program's command line: its flags, its positional arguments, the
 * brokers to talk to, `--help`, and a usage message on misuse.
 *
 * @module
 */
import { parseArgs } from "node:util";
import type { Brokers } from "./connect.ts";
import { ProgramError } from "./program_error.ts";
import { type ReportContext, reportUncaught } from "./report_uncaught.ts";
import { TLS_PARAMETERS, type TlsOption, withTlsFiles } from "./tls.ts";
import { maskUrl } from "./url.ts";

/** The default broker URL, used when no `--url`, `AMQP_URL` or `.env` gives one. */
export const DEFAULT_URL = "amqp://localhost";

/** One flag of a program, in full. */
export interface OptionSpec {
  /** `string` takes a value (`--queue jobs`, the default), `boolean` does not (`--mandatory`). */
  type?: "string" | "boolean";
  /** One line for `--help`. */
  description: string;
  /** The value when the flag is not given. */
  default?: string;
  /** A one-letter alias, e.g. `n` for `-n`. */
  short?: string;
}

/**
 * A flag: in full, or as its default value alone (`queue: "hello"`) for the
 * flags every tutorial has (`queue`, `exchange`), whose help line is known.
 */
export type Option = OptionSpec | string;

/** What a program accepts, for parsing and for its `--help`. */
export interface ProgramSpec<O extends Record<string, Option>> {
  /** One line saying what the program does. */
  summary: string;
  /** The positional arguments as the usage line shows them, e.g. `[message...]`. */
  args?: string;
  /** Fewest positional arguments (default 0). */
  minArgs?: number;
  /** Most positional arguments (default: no limit with `args`, else none). */
  maxArgs?: number;
  /** Exit code when there are too few positional arguments (default 2). */
  missingArgsCode?: number;
  /** The program's own flags; `--url`, the TLS flags and `--help` are added. */
  options?: O;
  /**
   * A program that talks to no broker (`archive:query` reads a file): no
   * `--url` or TLS flags, and `brokers` lists none.
   */
  noBroker?: boolean;
  /** A long-running consumer: adds `--no-reconnect`. */
  consumer?: boolean;
  /**
   * The brokers when no `--url` is given, instead of `AMQP_URL` and
   * `amqp://localhost` (the cluster's tools: its three nodes), with the words
   * `--help` shows for them.
   */
  brokers?: { urls: string; description: string };
  /**
   * The fix to advise, given the program's flags, when a queue or exchange
   * exists with other arguments than the program declares (the lab's
   * `lab:reset` command), instead of deleting it by hand. Called once the
   * command line is read, with the first broker URL.
   */
  redeclareFix?: (values: OptionValues<O>, url: string) => string;
  /** The fix to advise when the broker refuses the vhost (the lab's: ask your teacher). */
  vhostFix?: string;
  /** The fix to advise when the broker refuses the user a queue or exchange (the lab's). */
  accessFix?: string;
}

/** The values of a program's flags, typed from its {@link ProgramSpec}'s options. */
export type OptionValues<O extends Record<string, Option>> = {
  [K in keyof O]: O[K] extends string ? string
    : O[K] extends { type: "boolean" } ? boolean
    : O[K] extends { default: string } ? string
    : string | undefined;
};

/** What {@link parseCli} returns. */
export interface Cli<O extends Record<string, Option>> {
  /**
   * The brokers to try, in order: each `--url` (repeatable, or comma-separated),
   * else `AMQP_URL` (comma-separated; `.env` may set it), else `amqp://localhost`;
   * the TLS flags are added as each URL's parameters. For consumers,
   * `reconnect` is false with `--no-reconnect`. The program hands them to
   * the function that connects (`connectFirst`, `keepConsuming`,
   * `connectStream`), which records the one reached for the error sentences.
   */
  brokers: Brokers;
  /** The first broker: the one of a program that talks to one. */
  url: string;
  /** The program's flags. */
  values: OptionValues<O>;
  /** The positional arguments. */
  positionals: string[];
  /** The `--help` text, when `--help` was given (nothing else is checked then). */
  help?: string;
}

/** Help lines of the flags the tutorials share, for options given as a default alone. */
const SHARED_OPTIONS: Record<string, string> = {
  queue: "queue name",
  exchange: "exchange name",
};

/**
 * Reads a program's command line. Throws a usage {@link ProgramError}
 * (exit code 2) whose message says what was wrong and shows the usage line;
 * with `--help`, returns the help text in `help`.
 *
 * @example
 * ```ts
 * const { brokers, values } = parseCli("receive", {
 *   summary: 'Print the messages of the queue "hello"',
 *   options: { queue: "hello" },
 * }, ["--queue", "jobs"]);
 * values.queue; // "jobs"
 * ```
 */
export function parseCli<O extends Record<string, Option> = Record<string, never>>(
  name: string,
  spec: ProgramSpec<O>,
  args: string[] = Deno.args,
  env: (name: string) => string | undefined = (variable) => Deno.env.get(variable),
): Cli<O> {
  const options: Record<string, OptionSpec> = {};
  for (const [key, option] of Object.entries(spec.options ?? {})) {
    options[key] = typeof option === "string"
      ? { description: SHARED_OPTIONS[key] ?? key, default: option }
      : option;
  }
  const connection: Record<string, OptionSpec> = {
    url: {
      description:
        `broker URL; repeat it, or separate URLs with commas, for several brokers tried in order (default: ${
          spec.brokers?.description ?? "$AMQP_URL, .env, amqp://localhost"
        })`,
    },
    ...(spec.consumer
      ? { "no-reconnect": { type: "boolean", description: "exit when the connection drops" } }
      : {}),
    ca: { description: "TLS: CA certificate file (PEM) to trust ($AMQP_CA)" },
    cert: { description: "TLS: client certificate file (PEM) ($AMQP_CERT)" },
    key: { description: "TLS: client private key file (PEM) ($AMQP_KEY)" },
  };
  Object.assign(
    options,
    spec.noBroker ? {} : connection,
    {
      help: { type: "boolean", short: "h", description: "show this help" },
    } satisfies Record<string, OptionSpec>,
  );

  const usage = (message: string, code = 2): ProgramError => {
    // "expected [binding_key]..." already ends with dots.
    const text = `${message}${message.endsWith(".") ? "" : "."} ${
      usageLine(name, spec)
    } (--help for more)`;
    return new ProgramError(text, "usage", code);
  };

  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: Object.fromEntries(
        Object.entries(options).map(([key, option]) => [key, {
          type: option.type ?? "string",
          ...(option.short ? { short: option.short } : {}),
          ...(key === "url" ? { multiple: true } : {}),
        }]),
      ),
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw usage(parseArgsMessage(error));
  }
  const values = parsed.values as Record<string, string | boolean | string[] | undefined>;
  const { positionals } = parsed;
  if (values.help) {
    return {
      brokers: { urls: [], current: "" },
      url: "",
      values: values as OptionValues<O>,
      positionals,
      help: helpText(name, spec, options),
    };
  }
  for (const [key, option] of Object.entries(options)) {
    const given = values[key];
    if (given === undefined || (option.type ?? "string") !== "string") continue;
    // An empty name would mean something else to the broker: for a queue, "make up a name".
    if ([given].flat().some((text) => String(text).trim() === "")) {
      const instead = option.default === undefined
        ? ""
        : `, or leave the option out for "${option.default}"`;
      throw usage(`Empty value for --${key}: give one${instead}`);
    }
  }
  if (positionals.length < (spec.minArgs ?? 0)) {
    throw usage(`Missing arguments: expected ${spec.args}`, spec.missingArgsCode);
  }
  if (positionals.length > (spec.maxArgs ?? (spec.args ? Infinity : 0))) {
    throw usage(
      `Too many arguments: expected ${spec.args ?? "none"}, got "${positionals.join(" ")}"`,
    );
  }

  if (spec.noBroker) {
    fillDefaults(values, options);
    return {
      brokers: { urls: [], current: "" },
      url: "",
      values: values as OptionValues<O>,
      positionals,
    };
  }
  const given = (values.url as string[] | undefined) ??
    [spec.brokers?.urls ?? env("AMQP_URL") ?? DEFAULT_URL];
  const files: Partial<Record<TlsOption, string>> = {};
  for (const option of Object.keys(TLS_PARAMETERS) as TlsOption[]) {
    files[option] = values[option] as string | undefined;
  }
  const urls = given.flatMap((list) => list.split(",")).map((url) => url.trim()).map((url) => {
    if (!isAmqpUrl(url)) {
      throw usage(
        `Invalid broker URL "${maskUrl(url)}": expected amqp://user:password@host:port/vhost`,
      );
    }
    return withTlsFiles(url, files, env);
  });

  fillDefaults(values, options);
  return {
    brokers: { urls, reconnect: !values["no-reconnect"], current: urls[0] },
    url: urls[0],
    values: values as OptionValues<O>,
    positionals,
  };
}

/**
 * {@link parseCli} for a program's own command line, after installing the
 * program's top-level error handler ({@link reportUncaught}) with the
 * brokers it returns: `--help` prints the help and exits 0 (before the
 * program does anything); misuse throws the usage message, which the
 * handler prints on stderr, exiting 2.
 *
 * @example
 * ```ts
 * const { brokers, values } = cli("worker", {
 *   summary: 'Do the tasks of "task_queue" one at a time',
 *   options: { queue: "task_queue" },
 * });
 * ```
 */
export function cli<O extends Record<string, Option> = Record<string, never>>(
  name: string,
  spec: ProgramSpec<O>,
): Cli<O> {
  let context: ReportContext = { brokers: { urls: [DEFAULT_URL], current: DEFAULT_URL } };
  reportUncaught(() => context);
  const parsed = parseCli(name, spec);
  if (parsed.help !== undefined) {
    console.log(parsed.help);
    Deno.exit(0);
  }
  context = {
    brokers: parsed.brokers,
    redeclareFix: spec.redeclareFix?.(parsed.values, parsed.url),
    vhostFix: spec.vhostFix,
    accessFix: spec.accessFix,
  };
  return parsed;
}

/**
 * Reads a flag's value as a whole number of at least `min`; throws a usage
 * {@link ProgramError} otherwise.
 *
 * @example
 * ```ts
 * const COUNT = wholeNumber("count", values.count, 1);
 * ```
 */
export function wholeNumber(name: string, value: string, min = 0): number {
  const number = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(number) || number < min) {
    throw new ProgramError(
      `Invalid value for --${name}: "${value}" is not a whole number of at least ${min}`,
      "usage",
    );
  }
  return number;
}

/** Gives each flag not given its default (false for a boolean). */
function fillDefaults(
  values: Record<string, string | boolean | string[] | undefined>,
  options: Record<string, OptionSpec>,
): void {
  for (const [key, option] of Object.entries(options)) {
    if (values[key] === undefined && option.type === "boolean") values[key] = false;
    if (values[key] === undefined && option.default !== undefined) values[key] = option.default;
  }
}

function isAmqpUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return ["amqp:", "amqps:"].includes(parsed.protocol) && parsed.hostname !== "";
  } catch {
    return false;
  }
}

function parseArgsMessage(error: unknown): string {
  const err = error as { code?: string; message: string };
  // Node says e.g. "Option '--queue <value>' argument missing": the flag is the first word.
  const option = err.message.match(/'(-[^' ]*)/)?.[1];
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

/** What the usage line and the help text show of a {@link ProgramSpec}. */
type Shown = Pick<ProgramSpec<Record<string, Option>>, "summary" | "args">;

function usageLine(name: string, spec: Shown): string {
  return `Usage: deno task ${name} [options]${spec.args ? ` ${spec.args}` : ""}`;
}

function helpText(
  name: string,
  spec: Shown,
  options: Record<string, OptionSpec>,
): string {
  const rows = Object.entries(options).map(([key, option]) => {
    const flag = `${option.short ? `-${option.short}, ` : ""}--${key}${
      (option.type ?? "string") === "string" ? ` ${key.toUpperCase()}` : ""
    }`;
    const fallback = option.default !== undefined ? ` (default: ${option.default})` : "";
    return `  ${flag.padEnd(26)} ${option.description}${fallback}`;
  });
  return `${spec.summary}\n\n${usageLine(name, spec)}\n\nOptions:\n${rows.join("\n")}`;
}
