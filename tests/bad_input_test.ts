/**
 * The bad-input matrix: every program of deno.json, fed each class of wrong
 * input, prints one line on stderr, exits non-zero (2 for usage, 1 at run
 * time) and shows no stack trace.
 */
import assert from "node:assert/strict";
import { assertOneLineError, programTasks, test, urlWith } from "./_helpers.ts";

const PROGRAMS = await programTasks();

const STUDENT = ["--group", "inbo-04", "--surname", "laptev"];

/** Arguments that get each program past its own checks to the point of connecting. */
const VALID_ARGS: Record<string, string[]> = {
  receive_logs_direct: ["info"],
  receive_logs_topic: ["#"],
  rpc_client: ["10"],
  get_message: ["hello"],
  publisher_confirms: ["--count", "10"],
  bench: ["--quick"],
  "lab:variant": ["7"],
  "lab:4:receive_logs_direct": ["info"],
  "lab:5:receive_stocks": ["*.usa.*"],
  "archive:replay": ["--since", "1h"],
};
for (const program of PROGRAMS) {
  if (/^lab[12]:/.test(program) || program === "lab:show") VALID_ARGS[program] = STUDENT;
}

/** Programs that do not open an AMQP connection of their own. */
const NOT_CONNECTING = ["broker", "demo", "setup", "lab:variant", "archive:query"];

/** Programs that talk to no broker at all, and so take no --url. */
const NO_URL = ["archive:query"];

/** The monitor talks to the management HTTP API, not AMQP: its sentences name that API. */
const HTTP_PROGRAMS: Record<string, { unreachable: RegExp; missingVhost: RegExp }> = {
  monitor: {
    unreachable:
      /^Cannot reach the management API at "http:\/\/no-such-host\.invalid:15672": host not found/,
    missingVhost: /^The vhost "no_such_vhost" does not exist at "[^"]+"/,
  },
};
HTTP_PROGRAMS["lab:show"] = HTTP_PROGRAMS.monitor;
HTTP_PROGRAMS["monitor:web"] = HTTP_PROGRAMS.monitor;
HTTP_PROGRAMS.screenshots = HTTP_PROGRAMS.monitor;
const CONNECTING = PROGRAMS.filter((program) => !NOT_CONNECTING.includes(program));

/** Positional arguments past the most each program takes. */
const TOO_MANY: Record<string, string[]> = {
  broker: ["status", "unexpected"],
  rpc_client: ["10", "20"],
  get_message: ["one", "two"],
  "lab:variant": ["7", "8"],
};
for (
  const program of [
    "broker",
    "demo",
    "setup",
    "receive",
    "worker",
    "receive_logs",
    "rpc_server",
    "receive_posts",
    "publisher_confirms",
    "bench",
    "lab:reset",
    "lab:1:receive",
    "lab:2:worker",
    "lab:3:receive_logs",
    "lab1:exclusive:receive",
    "lab1:durable:receive",
    "lab1:autodelete:receive",
    "lab2:fanout:worker",
    "lab2:direct:worker",
    "lab2:topic:worker",
  ]
) TOO_MANY[program] ??= ["unexpected"];

const LONG_KEY = "k".repeat(256);

interface Cell {
  args: string[];
  code: number;
  message: RegExp;
}

/** Each class of wrong input: for a program, the cell to run, or undefined where it does not apply. */
const CLASSES: Record<string, (program: string) => Cell | undefined> = {
  "an unknown flag": () => ({
    args: ["--bogus"],
    code: 2,
    message: /^Unknown option "--bogus"\. Usage: deno task /,
  }),
  "a malformed URL": (program) =>
    NO_URL.includes(program) ? undefined : {
      args: [...(VALID_ARGS[program] ?? []), "--url", "localhost:5672"],
      code: 2,
      message:
        /^Invalid broker URL "localhost:5672": expected amqp:\/\/user:password@host:port\/vhost/,
    },
  "extra arguments": (program) => {
    // Valid arguments that are all flags (--count 10, --group ...) stay; positional ones are in TOO_MANY.
    const valid = VALID_ARGS[program] ?? [];
    const flags = valid[0]?.startsWith("-") ? valid : [];
    return TOO_MANY[program] && {
      args: [...flags, ...TOO_MANY[program]],
      code: 2,
      message: /^Too many arguments: expected .*, got "/,
    };
  },
  "missing arguments": (program) => {
    const missing: Record<string, Cell> = {
      // Exit 1, as the official tutorials' receive_logs_direct and receive_logs_topic do.
      receive_logs_direct: {
        args: [],
        code: 1,
        message: /^Missing arguments: expected \[info\] \[warning\] \[error\]/,
      },
      receive_logs_topic: {
        args: [],
        code: 1,
        message: /^Missing arguments: expected \[binding_key\]/,
      },
      "lab:4:receive_logs_direct": { args: [], code: 2, message: /^Missing arguments/ },
      "lab:5:receive_stocks": { args: [], code: 2, message: /^Missing arguments/ },
      "lab:variant": { args: [], code: 2, message: /^Missing arguments/ },
      "archive:replay": { args: [], code: 2, message: /^Missing --since/ },
    };
    if (/^lab[12]:/.test(program)) {
      return { args: [], code: 2, message: /^Missing your group: give --group and --surname/ };
    }
    return missing[program];
  },
  "a number that is not a number": (program) => {
    const numbers: Record<string, Cell> = {
      rpc_client: { args: ["ten"], code: 2, message: /^Invalid n "ten": expected a whole number/ },
      publisher_confirms: {
        args: ["--count", "many"],
        code: 2,
        message: /^Invalid value for --count: "many" is not a whole number/,
      },
      bench: {
        args: ["--runs", "three"],
        code: 2,
        message: /^Invalid value for --runs: "three" is not a whole number/,
      },
      "lab:variant": { args: ["12a"], code: 2, message: /ticket/i },
    };
    return numbers[program];
  },
  "a routing or binding key over 255 bytes": (program) => {
    const keys: Record<string, string[]> = {
      emit_log_direct: [LONG_KEY, "message"],
      emit_log_topic: [LONG_KEY, "message"],
      receive_logs_direct: [LONG_KEY],
      receive_logs_topic: [LONG_KEY],
      "lab:4:emit_log_direct": [LONG_KEY, "message"],
      "lab:4:receive_logs_direct": [LONG_KEY],
      "lab:5:emit_stock": [LONG_KEY, "message"],
      "lab:5:receive_stocks": [LONG_KEY],
    };
    return keys[program] && {
      args: keys[program],
      code: 2,
      message: /is 256 bytes long, but AMQP allows at most 255 bytes; use a shorter one$/,
    };
  },
  "an unreachable host": (program) =>
    CONNECTING.includes(program)
      ? {
        args: [...(VALID_ARGS[program] ?? []), "--url", "amqp://no-such-host.invalid"],
        code: 1,
        message: HTTP_PROGRAMS[program]?.unreachable ??
          /^Cannot connect to "amqp:\/\/no-such-host\.invalid": host not found/,
      }
      : undefined,
  "a refused login": (program) =>
    CONNECTING.includes(program)
      ? {
        args: [
          ...(VALID_ARGS[program] ?? []),
          "--url",
          urlWith((url) => {
            url.username ||= "guest";
            url.password = "wrong-password";
          }),
        ],
        code: 1,
        message: /refused the login of user "[^"]+": wrong user name or password/,
      }
      : undefined,
  "a missing vhost": (program) =>
    CONNECTING.includes(program)
      ? {
        args: [
          ...(VALID_ARGS[program] ?? []),
          "--url",
          urlWith((url) => url.pathname = "/no_such_vhost"),
        ],
        code: 1,
        message: HTTP_PROGRAMS[program]?.missingVhost ??
          /refused access to vhost "no_such_vhost": it does not exist/,
      }
      : undefined,
  "a certificate path that does not exist": (program) =>
    CONNECTING.includes(program)
      ? {
        args: [...(VALID_ARGS[program] ?? []), "--ca", "/no/such/ca.pem"],
        code: 1,
        message:
          /^Cannot read the CA certificate file "\/no\/such\/ca\.pem" \(--ca\): no such file$/,
      }
      : undefined,
};

/** The AMQP 1.0 programs (`amqp10:NAME`) meet the cells of their AMQP 0-9-1 sibling NAME. */
const sibling = (program: string) => program.replace(/^amqp10:/, "");

for (const [name, cellFor] of Object.entries(CLASSES)) {
  test(`every program given ${name} prints one line on stderr and exits non-zero`, async (t) => {
    let cells = 0;
    for (const program of PROGRAMS) {
      const cell = cellFor(sibling(program));
      if (!cell) continue;
      cells++;
      await t.step(program, async () => {
        const result = await assertOneLineError(program, cell.args, cell);
        assert.doesNotMatch(result.stderr[0], /wrong-password/, "no password");
      });
    }
    assert.ok(cells > 0);
  });
}
