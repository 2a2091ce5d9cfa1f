/**
 * Unit tests of lib/lab, without a broker: students' names and their
 * errors, task 2's names, the variant rule, the lab's advice sentences; and
 * the shape of every lab program, read from its file: the amqplib calls the
 * lab grades (declaration with its flags, binding, prefetch, ack after the
 * work, persistent) are in the program's own file, as its variant says.
 */
import assert from "node:assert/strict";
import { ProgramError } from "../../lib/program_error.ts";
import { resetFix, usingLine, WALKTHROUGH_FIX } from "../../lib/lab/cli.ts";
import { restartFate } from "../../lib/lab/show.ts";
import { leftOver, ownedElsewhere } from "../../lib/lab/exclusive.ts";
import {
  checkGroup,
  checkLogin,
  checkStudentName,
  checkSurname,
  groupWarning,
  loginStudent,
  notLatin,
  STUDENT_NAME_EXAMPLE,
  studentFlags,
  studentName,
  studentObjects,
  studentParts,
  task2Names,
  WALKTHROUGH_EXCHANGES,
  WALKTHROUGH_QUEUES,
} from "../../lib/lab/names.ts";
import { TASK1_VARIANTS, TASK2_VARIANTS, variantNumber } from "../../lib/lab/variants.ts";

const noEnv = () => undefined;
const env = (vars: Record<string, string>) => (name: string) => vars[name];

/** The usage ProgramError that `fn` throws. */
function usageError(fn: () => unknown): ProgramError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ProgramError, `a ProgramError, got ${error}`);
    assert.equal(error.kind, "usage");
    assert.equal(error.exitCode, 2);
    return error;
  }
  assert.fail("nothing thrown");
}

Deno.test("checkStudentName accepts <group>_<surname>, double-barrelled and multi-number ones", () => {
  for (const name of ["inbo-04_laptev", "ivt-1-22_rimsky-korsakov", "a-1_b"]) {
    assert.equal(checkStudentName(name), name);
  }
});

Deno.test("checkStudentName refuses other names with the form and an example, and asks for the group's hyphen", () => {
  const form =
    `expected <group>_<surname>: a lowercase Latin group code, a hyphen and the group's number, an underscore, a lowercase Latin surname, e.g. "inbo-04_laptev"`;
  for (
    const name of ["Inbo-04_laptev", "inbo_laptev", "inbo-04-laptev", "inbo-04_", "_laptev", ""]
  ) {
    assert.equal(
      usageError(() => checkStudentName(name)).message,
      `Invalid queue name "${name}": ${form}`,
    );
  }
  assert.equal(
    usageError(() => checkStudentName("inbo04_laptev")).message,
    `Invalid queue name "inbo04_laptev": the hyphen before the group's number is required, as in "inbo-04_laptev"`,
  );
});

Deno.test("checkGroup and checkSurname name the part that is wrong, and where it came from", () => {
  assert.equal(checkGroup("inbo-04"), "inbo-04");
  assert.equal(checkSurname("rimsky-korsakov"), "rimsky-korsakov");
  assert.equal(
    usageError(() => checkGroup("inbo04")).message,
    `Invalid group "inbo04": the hyphen before the number is required, as in "inbo-04"`,
  );
  assert.equal(
    usageError(() => checkGroup("INBO-04", "LAB_GROUP")).message,
    `Invalid group "INBO-04" (from LAB_GROUP): expected lowercase Latin letters, a hyphen and the group's number, e.g. "inbo-04"`,
  );
  for (const surname of ["Laptev", "laptev2", "lap tev", "-laptev", "laptev-"]) {
    assert.equal(
      usageError(() => checkSurname(surname)).message,
      `Invalid surname "${surname}": expected lowercase Latin letters (a hyphen only between the parts of a double-barrelled surname), e.g. "laptev"`,
    );
  }
});

Deno.test("a name in another script, or with one letter of it, is refused with the letter's position and code point", () => {
  assert.equal(
    usageError(() => checkSurname("лаптев")).message,
    `Invalid surname "лаптев": it is written in Cyrillic letters; write it in lowercase Latin letters (transliterated), e.g. "laptev"`,
  );
  // One Cyrillic "а" (U+0430) among Latin letters looks right: the sentence shows which it is.
  assert.equal(
    usageError(() => checkSurname("iv\u0430nova", "LAB_SURNAME")).message,
    `Invalid surname "iv\u0430nova" (from LAB_SURNAME): character 3, "\u0430" (U+0430), is a Cyrillic letter among Latin ones, though it looks like the Latin "a"; type it again with the keyboard in the Latin (English) layout`,
  );
  assert.match(
    usageError(() => checkGroup("\u0438nbo-04")).message,
    /^Invalid group "иnbo-04": character 1, "и" \(U\+0438\), is a Cyrillic letter among Latin ones; /,
  );
  assert.match(
    usageError(() => checkStudentName("inbo-04_lapt\u0435v")).message,
    /^Invalid queue name "inbo-04_laptеv": character 13, "е" \(U\+0435\), is a Cyrillic letter among Latin ones, though it looks like the Latin "e"/,
  );
  assert.match(
    notLatin("\u03b1lpha", "laptev")!,
    /^character 1, "α" \(U\+03B1\), is a Greek letter/,
  );
  assert.equal(notLatin("laptev", "laptev"), undefined);
  assert.equal(
    notLatin("Laptev2", "laptev"),
    undefined,
    "not a script problem: the usual sentence",
  );
});

Deno.test("a group number of other than two digits gets a warning that guesses the two-digit one", () => {
  assert.equal(groupWarning("inbo-04"), undefined);
  assert.equal(groupWarning("ikbo-01-22"), undefined);
  assert.equal(
    groupWarning("inbo-4"),
    `WARNING: the group "inbo-4" has a number of 1 digit, "4", where the course's groups have two, as in "inbo-04" (did you mean "inbo-04"?); your queues and exchanges are named with "inbo-4" as given`,
  );
  assert.match(
    groupWarning("inbo-004")!,
    /a number of 3 digits, "004", .* \(did you mean "inbo-04"\?\)/,
  );
  assert.doesNotMatch(groupWarning("inbo-123")!, /did you mean/);
});

Deno.test("the login names the student when the URL's user is a student's name, and another name is refused with the first difference", () => {
  const url = "amqp://inbo-04_ivanova:pw@rabbit.example.org/lab5";
  assert.equal(loginStudent(url), "inbo-04_ivanova");
  for (
    const other of ["amqp://guest:guest@localhost", "amqp://localhost", "amqp://teacher:x@h/lab5"]
  ) {
    assert.equal(loginStudent(other), undefined, other);
    assert.equal(checkLogin("inbo-04_petrov", other), "inbo-04_petrov", "nothing to compare with");
  }
  assert.equal(checkLogin("inbo-04_ivanova", url), "inbo-04_ivanova");
  assert.equal(
    usageError(() => checkLogin("inbo-4_ivanova", url)).message,
    `The name "inbo-4_ivanova" is not yours: you log in as "inbo-04_ivanova" (character 6 is "4" where your login has "0"), and on a course server each student may use only their own queues and exchanges; give your own name, or none: your login gives it`,
  );
  assert.match(
    usageError(() => checkLogin("ibno-04_ivanova", url)).message,
    /\(character 2 is "b" where your login has "n"\)/,
  );
  // The login gives each part that nothing else gives.
  assert.equal(studentName({}, noEnv, { login: url }), "inbo-04_ivanova");
  assert.equal(studentName({ surname: "petrov" }, noEnv, { login: url }), "inbo-04_petrov");
  assert.equal(
    studentName({}, env({ LAB_GROUP: "inbo-05" }), { login: url }),
    "inbo-05_ivanova",
  );
});

Deno.test("the first INFO line names the queue and exchange and the vhost, and a walk-through name as shared", () => {
  assert.equal(
    usingLine("lab5", { queue: "inbo-04_laptev" }),
    'INFO: Queue "inbo-04_laptev" in vhost "lab5"',
  );
  assert.equal(
    usingLine("/", { exchange: "inbo-04_laptev_topic", queue: "inbo-04_laptev_tasks" }),
    'INFO: Exchange "inbo-04_laptev_topic" and queue "inbo-04_laptev_tasks" in vhost "/"',
  );
  assert.equal(
    usingLine("lab5", { exchange: "logs", queue: "amq.gen-x" }),
    `INFO: Exchange "logs" and queue "amq.gen-x" in vhost "lab5" ("logs" is the walk-through's: shared by everyone on this vhost)`,
  );
});

Deno.test("restartFate says what a restart keeps, from the flags and the persistent count", () => {
  const queue = { name: "q", durable: true, exclusive: false, auto_delete: false };
  assert.equal(
    restartFate(
      { ...queue, messages_ready: 2, messages_unacknowledged: 1, messages_persistent: 2 },
      "3.10.8",
    ),
    "kept (durable), with its 2 persistent messages; its 1 transient message lost",
  );
  assert.equal(
    restartFate({ ...queue, type: "quorum", messages_ready: 1 }, "4.3.6"),
    "kept (durable), with its 1 persistent message",
  );
  assert.match(restartFate({ ...queue, durable: false }, "4.3.6"), /^gone, with every message/);
  assert.match(
    restartFate({ ...queue, exclusive: true, durable: false }, "4.3.6"),
    /^gone: an exclusive/,
  );
  const exchange = { name: "x", type: "direct", durable: false, auto_delete: false };
  assert.equal(restartFate(exchange, "3.10.8"), "gone: the exchange is not durable");
  assert.match(restartFate(exchange, "4.3.6"), /^kept, though not durable/);
  assert.match(restartFate(exchange, "4.1.0"), /^gone or kept/);
  assert.equal(restartFate({ ...exchange, durable: true }, "3.10.8"), "kept (durable)");
});

Deno.test("studentName reads --queue, else --group/--surname, else LAB_GROUP/LAB_SURNAME, part by part", () => {
  const lab = env({ LAB_GROUP: "inbo-04", LAB_SURNAME: "laptev" });
  assert.equal(studentName({ queue: "ivt-01_popov" }, lab), "ivt-01_popov");
  assert.equal(studentName({ group: "ivt-01", surname: "popov" }, lab), "ivt-01_popov");
  assert.equal(studentName({}, lab), "inbo-04_laptev");
  assert.equal(studentName({ surname: "popov" }, lab), "inbo-04_popov");
  assert.equal(studentName({}, noEnv, { required: false }), undefined);
  assert.deepEqual(studentParts({ group: "ivt-01" }, noEnv), {
    group: "ivt-01",
    surname: undefined,
  });
});

Deno.test("studentName says which part is missing and how to give it", () => {
  for (const [values, missing] of [[{}, "group"], [{ group: "inbo-04" }, "surname"]] as const) {
    assert.equal(
      usageError(() => studentName(values, noEnv)).message,
      `Missing your ${missing}: give --group and --surname (or LAB_GROUP and LAB_SURNAME in .env), e.g. "--group inbo-04 --surname laptev" for the queue "${STUDENT_NAME_EXAMPLE}"`,
    );
  }
  // A malformed part is refused even when the other part is missing.
  assert.match(usageError(() => studentName({ group: "inbo04" }, noEnv)).message, /^Invalid group/);
});

Deno.test("task 2's names and every object of a student carry the student's name", () => {
  assert.deepEqual(task2Names("inbo-04_laptev", "topic"), {
    queue: "inbo-04_laptev_tasks",
    exchange: "inbo-04_laptev_topic",
  });
  assert.deepEqual(studentObjects("inbo-04_laptev"), {
    queues: ["inbo-04_laptev", "inbo-04_laptev_tasks"],
    exchanges: ["inbo-04_laptev_fanout", "inbo-04_laptev_direct", "inbo-04_laptev_topic"],
  });
  assert.equal(
    studentFlags("ivt-1-22_rimsky-korsakov"),
    "--group ivt-1-22 --surname rimsky-korsakov",
  );
});

Deno.test("variantNumber: the last digit mod the number of variants, remainder 0 the last variant", () => {
  const expected = [3, 1, 2, 3, 1, 2, 3, 1, 2, 3];
  for (let digit = 0; digit <= 9; digit++) {
    assert.equal(variantNumber(`70${digit}`, 3), expected[digit], `ticket 70${digit}`);
  }
  assert.equal(variantNumber("12", 2), 2);
  for (const ticket of ["12a", "1.7", "", "-5", "№17"]) {
    assert.equal(
      usageError(() => variantNumber(ticket, 3)).message,
      `Invalid ticket number "${ticket}": expected digits only, e.g. "deno task lab:variant 17"`,
    );
  }
});

Deno.test("the lab's advice for a conflict names the safe reset: yours by name, the walk-through's by flag", () => {
  assert.equal(
    resetFix("inbo-04_laptev"),
    `delete your lab queues and exchanges with "deno task lab:reset --group inbo-04 --surname laptev" and run again`,
  );
  assert.match(WALKTHROUGH_FIX, /"deno task lab:reset --walkthrough"/);
});

Deno.test("the exclusive queue's two causes have their own sentence and fix", () => {
  const owned = ownedElsewhere("inbo-04_laptev");
  assert.match(owned, /^The queue "inbo-04_laptev" is exclusive to another connection: /);
  assert.match(owned, /stop that program/);
  assert.doesNotMatch(owned, /lab:reset/);
  assert.equal(
    leftOver("inbo-04_laptev", { messageCount: 1, consumerCount: 0 }),
    `The queue "inbo-04_laptev" already exists and is not exclusive (1 message): it is left over from another task 1 variant, not another program's exclusive queue; delete your lab queues and exchanges with "deno task lab:reset --group inbo-04 --surname laptev" and run again`,
  );
  assert.equal(
    leftOver("inbo-04_laptev", { messageCount: 0, consumerCount: 2 }),
    `The queue "inbo-04_laptev" already exists and is not exclusive (0 messages, 2 consumers): it is left over from another task 1 variant, not another program's exclusive queue; stop the programs consuming it (lab1:durable:receive or lab1:autodelete:receive with your name?), then delete your lab queues and exchanges with "deno task lab:reset --group inbo-04 --surname laptev" and run again`,
  );
});

// ---- The programs' shape, read from their files.

const ROOT = new URL("../../", import.meta.url);
const TASKS = JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT))).tasks as Record<
  string,
  { command: string }
>;

/** The source of the program a task runs. */
async function source(task: string): Promise<string> {
  const file = TASKS[task].command.split(/\s+/).find((word) => word.endsWith(".ts"))!;
  return await Deno.readTextFile(new URL(file, ROOT));
}

/** Checks that `text` contains each of `calls`, in this order. */
function assertInOrder(task: string, text: string, calls: string[]) {
  let from = 0;
  for (const call of calls) {
    const at = text.indexOf(call, from);
    assert.ok(
      at >= 0,
      `${task}: "${call}" missing, or not after "${text.slice(0, from).trim().split("\n").at(-1)}"`,
    );
    from = at + call.length;
  }
}

const CONNECT = "amqp.connect(url, socketOptions(url))";
const WAITING = 'console.log("INFO: Waiting for messages. To exit press CTRL+C");';
const ACK_AFTER_WORK = ['console.log("INFO: Done");', "channel.ack(msg);", "{ noAck: false }"];

/** Each lab program and the calls its file must make, in this order. */
const SHAPES: Record<string, string[]> = {
  "lab:1:send": [
    CONNECT,
    ".createChannel()",
    ".assertQueue(queue, { durable: false })",
    ".sendToQueue(",
  ],
  "lab:1:receive": [
    CONNECT,
    ".createChannel()",
    ".assertQueue(queue, { durable: false })",
    WAITING,
    ".consume(",
    "{ noAck: true }",
  ],
  "lab:2:new_task": [
    CONNECT,
    ".createConfirmChannel()",
    ".assertQueue(queue, { durable: true })",
    "{ persistent: true }",
    ".waitForConfirms()",
  ],
  "lab:2:worker": [
    CONNECT,
    ".createChannel()",
    ".assertQueue(queue, { durable: true })",
    ".prefetch(1)",
    WAITING,
    ".consume(",
    'task.split(".")',
    "setTimeout",
    ...ACK_AFTER_WORK,
  ],
  "lab:3:emit_log": [
    CONNECT,
    '.assertExchange(exchange, "fanout", { durable: false })',
    '.publish(exchange, ""',
  ],
  "lab:3:receive_logs": [
    CONNECT,
    '.assertExchange(exchange, "fanout", { durable: false })',
    '.assertQueue("", { exclusive: true })',
    '.bindQueue(queue, exchange, "")',
    WAITING,
    ".consume(",
  ],
  "lab:4:emit_log_direct": [
    CONNECT,
    '.assertExchange(exchange, "direct", { durable: false })',
    ".publish(exchange, severity",
  ],
  "lab:4:receive_logs_direct": [
    CONNECT,
    '.assertExchange(exchange, "direct", { durable: false })',
    '.assertQueue("", { exclusive: true })',
    ".bindQueue(queue, exchange, severity)",
    WAITING,
    ".consume(",
  ],
  "lab:5:emit_stock": [
    CONNECT,
    '.assertExchange(exchange, "topic", { durable: false })',
    ".publish(exchange, routingKey",
  ],
  "lab:5:receive_stocks": [
    CONNECT,
    '.assertExchange(exchange, "topic", { durable: false })',
    '.assertQueue("", { exclusive: true })',
    ".bindQueue(queue, exchange, pattern)",
    WAITING,
    ".consume(",
  ],
  "lab1:exclusive:receive": [
    CONNECT,
    ".createChannel()",
    ".assertQueue(queue, { exclusive: true, durable: false })",
    WAITING,
    ".consume(",
    "{ noAck: true }",
  ],
  "lab1:exclusive:send": [
    CONNECT,
    ".createConfirmChannel()",
    '.on("return"',
    ".sendToQueue(queue, Buffer.from(msg), { mandatory: true })",
    ".waitForConfirms()",
  ],
  "lab1:durable:receive": [
    CONNECT,
    ".createChannel()",
    ".assertQueue(queue, { durable: true })",
    WAITING,
    ".consume(",
    "{ noAck: true }",
  ],
  "lab1:durable:send": [
    CONNECT,
    ".createConfirmChannel()",
    ".assertQueue(queue, { durable: true })",
    ".sendToQueue(queue, Buffer.from(msg), { persistent: true })",
    ".waitForConfirms()",
  ],
  "lab1:autodelete:receive": [
    CONNECT,
    ".createChannel()",
    ".assertQueue(queue, { autoDelete: true, durable: true })",
    WAITING,
    ".consume(",
    "{ noAck: true }",
  ],
  "lab1:autodelete:send": [
    CONNECT,
    ".createConfirmChannel()",
    ".assertQueue(queue, { autoDelete: true, durable: true })",
    ".sendToQueue(",
    ".waitForConfirms()",
  ],
};
for (const v of TASK2_VARIANTS) {
  const declare = [
    `.assertExchange(exchange, "${v.exchangeType}", { durable: ${v.durable} })`,
    `.assertQueue(queue, { durable: ${v.durable} })`,
    `.bindQueue(queue, exchange, "${v.bindingKey}")`,
  ];
  SHAPES[v.consumer] = [
    CONNECT,
    ".createChannel()",
    ...declare,
    ".prefetch(1)",
    WAITING,
    ".consume(",
    `task.split("${v.sleepChar}")`,
    "setTimeout",
    ...ACK_AFTER_WORK,
  ];
  SHAPES[v.producer] = [
    CONNECT,
    ".createConfirmChannel()",
    ...declare,
    `.publish(exchange, "${v.routingKey}", Buffer.from(msg), { persistent: ${v.durable} })`,
    ".waitForConfirms()",
  ];
}

// Every program's first INFO line names what it uses: a consumer's before its Waiting line, a
// producer's before it publishes.
const USING = "console.log(usingLine(vhost, {";
for (const calls of Object.values(SHAPES)) {
  const at = calls.includes(WAITING)
    ? calls.indexOf(WAITING)
    : calls.findIndex((call) => /^\.(sendToQueue|publish)\(|persistent/.test(call));
  assert.ok(at >= 0, `no place for the INFO line in ${calls.join(", ")}`);
  calls.splice(at, 0, USING);
}

Deno.test("every lab program is in SHAPES, and every variant's programs are lab programs", () => {
  const programs = Object.keys(TASKS).filter((task) => /^lab[12]?:/.test(task)).filter((task) =>
    !["lab:variant", "lab:reset", "lab:show"].includes(task)
  );
  assert.deepEqual(programs.toSorted(), Object.keys(SHAPES).toSorted());
  for (const v of [...TASK1_VARIANTS, ...TASK2_VARIANTS]) {
    assert.ok(v.consumer in SHAPES && v.producer in SHAPES, `${v.consumer}, ${v.producer}`);
  }
});

for (const [task, calls] of Object.entries(SHAPES)) {
  Deno.test(`${task}'s file makes the calls the lab grades, in order, as plain amqplib calls`, async () => {
    const text = await source(task);
    assertInOrder(task, text, calls);
    assert.match(text, /^\/\*\*\n \* Lab 5, /, "a header saying what it shows");
    assert.match(text, / \* Run: +deno task /, "how to run it");
    assert.doesNotMatch(text, /\bDeno\.exit\b/, "the handler exits, not the program");
    assert.ok(text.split("\n").length <= 55, `${task} is ${text.split("\n").length} lines`);
  });
}

Deno.test("the walk-through's default names are the ones lab:reset --walkthrough knows, and none is a tutorial's queue", async () => {
  const queues = new Set<string>();
  const exchanges = new Set<string>();
  for (const task of Object.keys(SHAPES).filter((task) => task.startsWith("lab:"))) {
    const text = await source(task);
    const queue = text.match(/options: \{ queue: "([^"]+)" \}/)?.[1];
    const exchange = text.match(/options: \{ exchange: "([^"]+)" \}/)?.[1];
    if (queue) queues.add(queue);
    if (exchange) exchanges.add(exchange);
  }
  assert.deepEqual([...queues].toSorted(), [...WALKTHROUGH_QUEUES].toSorted());
  assert.deepEqual([...exchanges].toSorted(), [...WALKTHROUGH_EXCHANGES].toSorted());
  for (const tutorialQueue of ["hello", "task_queue", "rpc_queue"]) {
    assert.ok(!queues.has(tutorialQueue), tutorialQueue);
  }
});
