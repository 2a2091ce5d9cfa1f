import assert from "node:assert/strict";
import { task2Names, WALKTHROUGH_EXCHANGES, WALKTHROUGH_QUEUES } from "../lib/lab/names.ts";
import { TASK1_VARIANTS, TASK2_VARIANTS } from "../lib/lab/variants.ts";
import { maskUrl, urlParts } from "../lib/url.ts";
import { LAB_WAITING, WAITING, WAITING_LOGS } from "../tools/lib/ready_lines.ts";
import {
  assertExit,
  ENV,
  exchangeExists,
  queueState,
  runOk,
  runTask,
  startLab,
  startReady,
  stopped,
  test,
  testVhost,
  uniqueStudent,
  waitForConsumers,
  waitForDepth,
} from "./_helpers.ts";

const EXPECTED_FORM =
  `expected <group>_<surname>: a lowercase Latin group code, a hyphen and the group's number, an underscore, a lowercase Latin surname, e.g. "inbo-04_laptev"`;

const BAD_NAMES = [
  "Inbo-04_laptev", // upper case
  "inbo_laptev", // no group number
  "inbo-04_Laptev",
  "inbo-04-laptev", // no underscore
  "inbo-04_laptev2",
  "inbo-04_",
  "_laptev",
  "inbo-04_lap tev",
];

const GROUP_FORM =
  `expected lowercase Latin letters, a hyphen and the group's number, e.g. "inbo-04"`;
const SURNAME_FORM =
  `expected lowercase Latin letters (a hyphen only between the parts of a double-barrelled surname), e.g. "laptev"`;

/** The same mistakes made with --group and --surname: the message names the part that is wrong. */
const BAD_PARTS = [
  ["Inbo-04", "laptev", `Invalid group "Inbo-04": ${GROUP_FORM}`],
  [
    "inbo04",
    "laptev",
    `Invalid group "inbo04": the hyphen before the number is required, as in "inbo-04"`,
  ],
  ["inbo-04", "Laptev", `Invalid surname "Laptev": ${SURNAME_FORM}`],
  [
    "inbo-04",
    "лаптев",
    `Invalid surname "лаптев": it is written in Cyrillic letters; write it in lowercase Latin letters (transliterated), e.g. "laptev"`,
  ],
  [
    "inbo-04",
    "iv\u0430nova", // one Cyrillic letter: it looks right
    `Invalid surname "iv\u0430nova": character 3, "\u0430" (U+0430), is a Cyrillic letter among Latin ones, though it looks like the Latin "a"; type it again with the keyboard in the Latin (English) layout`,
  ],
  [
    "inb\u043e-04",
    "laptev",
    `Invalid group "inb\u043e-04": character 4, "\u043e" (U+043E), is a Cyrillic letter among Latin ones, though it looks like the Latin "o"; type it again with the keyboard in the Latin (English) layout`,
  ],
  ["inbo-04", "laptev2", `Invalid surname "laptev2": ${SURNAME_FORM}`],
  ["04", "laptev", `Invalid group "04": ${GROUP_FORM}`],
  ["inbo-04", "lap tev", `Invalid surname "lap tev": ${SURNAME_FORM}`],
];

async function assertRefused(
  task: string,
  args: string[],
  message: string,
  env: Record<string, string> = {},
) {
  const result = await runTask(task, args, { env: { ...ENV, ...env } });
  assertExit(result, 2, ["deno task", task, ...args].join(" "));
  assert.deepEqual(result.stderr, [message]);
  assert.deepEqual(result.stdout, []);
}

// Every program that takes your name takes it the same ways: task 1's, task 2's, lab:reset.
for (
  const task of ["lab1:durable:send", "lab1:exclusive:receive", "lab2:topic:worker", "lab:reset"]
) {
  test(`${task} --queue refuses a name not of the form <group>_<surname>, showing the form and an example`, async () => {
    for (const name of BAD_NAMES) {
      await assertRefused(
        task,
        ["--queue", name],
        `Invalid queue name "${name}": ${EXPECTED_FORM}`,
      );
    }
    await assertRefused(
      task,
      ["--queue", "inbo-04_лаптев"],
      `Invalid queue name "inbo-04_лаптев": character 9, "л" (U+043B), is a Cyrillic letter among Latin ones; type it again with the keyboard in the Latin (English) layout`,
    );
    await assertRefused(
      task,
      ["--queue", "inbo04_laptev"],
      `Invalid queue name "inbo04_laptev": the hyphen before the group's number is required, as in "inbo-04_laptev"`,
    );
  });
}

for (const task of ["lab1:autodelete:receive", "lab2:fanout:new_task", "lab2:direct:worker"]) {
  test(`${task} --group --surname refuses a part not of the form, naming the part`, async () => {
    for (const [group, surname, message] of BAD_PARTS) {
      await assertRefused(task, ["--group", group, "--surname", surname], message);
    }
  });
}

test("lab programs say when a bad part of the name came from LAB_GROUP or LAB_SURNAME", async () => {
  await assertRefused(
    "lab1:durable:send",
    [],
    `Invalid group "inbo04" (from LAB_GROUP): the hyphen before the number is required, as in "inbo-04"`,
    { LAB_GROUP: "inbo04", LAB_SURNAME: "laptev" },
  );
  await assertRefused(
    "lab2:fanout:worker",
    [],
    `Invalid surname "Laptev" (from LAB_SURNAME): ${SURNAME_FORM}`,
    { LAB_GROUP: "inbo-04", LAB_SURNAME: "Laptev" },
  );
});

test("lab programs accept <group>_<surname> names from --queue, --group/--surname and LAB_GROUP/LAB_SURNAME", async () => {
  // The exclusive producer declares nothing: with no consumer it reports the name it used.
  const [a, b, c] = [uniqueStudent(), uniqueStudent(), uniqueStudent()];
  const [groupA, surnameA] = [a.args[1], a.args[3]];
  const [groupB, surnameB] = [b.args[1], `${b.args[3]}-${c.args[3]}`]; // a double-barrelled surname
  const cases: { args: string[]; env: Record<string, string>; name: string }[] = [
    { args: ["--queue", a.name], env: {}, name: a.name },
    {
      args: ["--group", groupB, "--surname", surnameB],
      env: {},
      name: `${groupB}_${surnameB}`,
    },
    { args: [], env: { LAB_GROUP: groupA, LAB_SURNAME: surnameA }, name: a.name },
    {
      args: ["--surname", surnameB],
      env: { LAB_GROUP: groupA, LAB_SURNAME: surnameA },
      name: `${groupA}_${surnameB}`,
    },
  ];
  for (const { args, env, name } of cases) {
    const result = await runTask("lab1:exclusive:send", args, { env: { ...ENV, ...env } });
    assertExit(result, 1);
    assert.match(result.stderr[0], new RegExp(`^No queue "${name}" to deliver to`));
  }
  // Task 2's programs take --queue too, meaning the same: task 2's queue is <name>_tasks.
  await using vhost = await testVhost();
  await runOk("lab2:fanout:new_task", ["--queue", a.name, "by --queue"], vhost.env);
  await waitForDepth(task2Names(a.name, "fanout").queue, 1, vhost.url);
});

test("lab programs without a name say which part is missing and how to give it", async () => {
  for (const [args, missing] of [[[], "group"], [["--group", "inbo-04"], "surname"]] as const) {
    const result = await runTask("lab1:durable:receive", [...args], {
      env: ENV,
      withoutEnv: ["LAB_GROUP", "LAB_SURNAME"],
    });
    assertExit(result, 2);
    assert.deepEqual(result.stderr, [
      `Missing your ${missing}: give --group and --surname (or LAB_GROUP and LAB_SURNAME in .env), e.g. "--group inbo-04 --surname laptev" for the queue "inbo-04_laptev"`,
    ]);
  }
});

for (let digit = 0; digit <= 9; digit++) {
  const ticket = `70${digit}`; // 700 mod 3 = 1: only the last digit gives the variant
  const expected = digit % 3 === 0 ? 3 : digit % 3;
  test(`lab:variant ${ticket} gives variant ${expected} of each task`, async () => {
    const result = await runTask("lab:variant", [ticket], {
      env: ENV,
      withoutEnv: ["LAB_GROUP", "LAB_SURNAME"],
    });
    assertExit(result, 0);
    const { stdout, stderr } = result;
    assert.deepEqual(stderr, []);
    const rule = `last digit ${digit}, ${digit} mod 3 = ${digit % 3}${
      digit % 3 === 0 ? ", which means the last variant" : ""
    }`;
    const task1 = TASK1_VARIANTS[expected - 1];
    const task2 = TASK2_VARIANTS[expected - 1];
    const name = "--group <group> --surname <surname>";
    assert.deepEqual(stdout, [
      `Task 1 (one producer, one queue, one consumer): variant ${expected} (${rule})`,
      `  ${task1.summary}`,
      `  deno task ${task1.consumer} ${name}`,
      `  deno task ${task1.producer} ${name} [message...]`,
      `Task 2 (competing workers, an exchange in front): variant ${expected} (${rule})`,
      `  ${task2.summary}`,
      `  deno task ${task2.consumer} ${name}`,
      `  deno task ${task2.producer} ${name} [message...]`,
    ]);
  });
}

test("lab:variant shows your name in the commands when LAB_GROUP and LAB_SURNAME or the flags give it", async () => {
  const fromEnv = await runOk("lab:variant", ["27"], {
    ...ENV,
    LAB_GROUP: "inbo-04",
    LAB_SURNAME: "laptev",
  });
  assert.deepEqual(fromEnv.filter((line) => line.includes("deno task")), [
    "  deno task lab1:exclusive:receive --group inbo-04 --surname laptev",
    "  deno task lab1:exclusive:send --group inbo-04 --surname laptev [message...]",
    "  deno task lab2:fanout:worker --group inbo-04 --surname laptev",
    "  deno task lab2:fanout:new_task --group inbo-04 --surname laptev [message...]",
  ]);
  const partly = await runTask("lab:variant", ["27", "--group", "inbo-05"], {
    env: ENV,
    withoutEnv: ["LAB_GROUP", "LAB_SURNAME"],
  });
  assertExit(partly, 0);
  assert.ok(
    partly.stdout.includes(
      "  deno task lab1:exclusive:receive --group inbo-05 --surname <surname>",
    ),
    partly.stdout.join("\n"),
  );
  await assertRefused(
    "lab:variant",
    ["27", "--group", "inbo05"],
    `Invalid group "inbo05": the hyphen before the number is required, as in "inbo-05"`,
  );
});

test("lab:variant names the variants' own programs: task 1 1-2-3 = exclusive, durable, auto-delete; task 2 = #/fanout, */direct, -/topic", () => {
  assert.deepEqual(TASK1_VARIANTS.map((v) => v.consumer), [
    "lab1:exclusive:receive",
    "lab1:durable:receive",
    "lab1:autodelete:receive",
  ]);
  assert.deepEqual(
    TASK2_VARIANTS.map((v) => [v.sleepChar, v.exchangeType, v.durable, v.consumer]),
    [
      ["#", "fanout", true, "lab2:fanout:worker"],
      ["*", "direct", false, "lab2:direct:worker"],
      ["-", "topic", true, "lab2:topic:worker"],
    ],
  );
});

test("lab:variant refuses a ticket that is not digits only, with the usage", async () => {
  for (const args of [["12a"], ["1.7"], ["№17"], [""]]) {
    const result = await runTask("lab:variant", args, { env: ENV });
    assertExit(result, 2, `lab:variant ${JSON.stringify(args)}`);
    assert.deepEqual(result.stderr, [
      `Invalid ticket number "${args[0]}": expected digits only, e.g. "deno task lab:variant 17"`,
    ]);
  }
  for (const args of [[], ["1", "2"], ["-5"]]) {
    const result = await runTask("lab:variant", args, { env: ENV });
    assertExit(result, 2, `lab:variant ${JSON.stringify(args)}`);
    assert.equal(result.stderr.length, 1);
    assert.match(result.stderr[0], /Usage: deno task lab:variant \[options\] <ticket>/);
  }
});

/** Starts tutorial 3's subscriber in the vhost of `url`. */
function startReceiveLogs(url: string) {
  return startReady("receive_logs", [], WAITING_LOGS, { env: { AMQP_URL: url } });
}

test("lab:reset --walkthrough --force with your name deletes the walk-through's and your queues and exchanges, leaves tutorial 2's, then finds nothing to delete", async () => {
  // lab:reset deletes fixed names (lab_task_queue, logs, ...): in a vhost of its own, a user's are safe.
  await using vhost = await testVhost();
  const { url, env } = vhost;
  const student = uniqueStudent();
  // Every object the lab's programs declare by name, and tutorial 2's queue with a task.
  await runOk("lab:1:send", [], env);
  await runOk("lab:2:new_task", ["queued."], env);
  await runOk("lab:3:emit_log", [], env);
  await runOk("lab:4:emit_log_direct", [], env);
  await runOk("lab:5:emit_stock", [], env);
  await runOk("lab1:durable:send", student.args, env);
  for (const variant of TASK2_VARIANTS.filter((v) => v.durable)) {
    await runOk(variant.producer, student.args, env);
  }
  const tutorial = await runTask("new_task", ["tutorial task."], { env });
  assertExit(tutorial, 0);
  const tasks = task2Names(student.name, "fanout").queue;
  const exchanges = TASK2_VARIANTS.filter((v) => v.durable).map((v) =>
    task2Names(student.name, v.exchangeType).exchange
  );
  await waitForDepth(tasks, 2, url);

  const stdout = await runOk("lab:reset", [...student.args, "--walkthrough", "--force"], env);
  assert.deepEqual(stdout, [
    `Deleted queue "awesome_queue" (1 message)`,
    `Deleted queue "lab_task_queue" (1 message)`,
    `Deleted queue "${student.name}" (1 message)`,
    `Deleted queue "${tasks}" (2 messages)`,
    `Deleted exchange "logs"`,
    `Deleted exchange "direct_logs"`,
    `Deleted exchange "stocks"`,
    ...exchanges.map((exchange) => `Deleted exchange "${exchange}"`),
    `Deleted ${4 + 3 + exchanges.length} of the lab's queues and exchanges at "${maskUrl(url)}"`,
  ]);
  for (const queue of [...WALKTHROUGH_QUEUES, student.name, tasks]) {
    assert.equal(await queueState(queue, url), "missing", queue);
  }
  for (const exchange of [...WALKTHROUGH_EXCHANGES, ...exchanges]) {
    assert.equal(await exchangeExists(exchange, url), false, exchange);
  }
  // Tutorial 2's queue is not the lab's: it keeps its task.
  await waitForDepth("task_queue", 1, url);

  assert.deepEqual(await runOk("lab:reset", [...student.args, "--walkthrough"], env), [
    `Nothing to delete: none of the lab's queues and exchanges exist at "${maskUrl(url)}"`,
  ]);
});

test("lab:reset --walkthrough --force without a name deletes only the walk-through's objects and says how to add yours", async () => {
  await using vhost = await testVhost();
  const { url, env } = vhost;
  const student = uniqueStudent();
  await runOk("lab:1:send", [], env);
  await runOk("lab:3:emit_log", [], env);
  await runOk("lab1:durable:send", student.args, env);
  const reset = await runTask("lab:reset", ["--walkthrough", "--force"], {
    env,
    withoutEnv: ["LAB_GROUP", "LAB_SURNAME"],
  });
  assertExit(reset, 0);
  assert.deepEqual(reset.stdout, [
    `Deleted queue "awesome_queue" (1 message)`,
    `Deleted exchange "logs"`,
    `Deleted 2 of the lab's queues and exchanges at "${maskUrl(url)}"`,
    "To delete your own task 1 and task 2 queues and exchanges too, give --group and --surname (or LAB_GROUP and LAB_SURNAME in .env)",
  ]);
  assert.equal(await queueState("awesome_queue", url), "missing");
  assert.equal(await exchangeExists("logs", url), false);
  assert.equal(await queueState(student.name, url), "exists");
});

test("lab:reset without --walkthrough deletes only your own objects and names the walk-through's it kept", async () => {
  await using vhost = await testVhost();
  const { url, env } = vhost;
  const student = uniqueStudent();
  await runOk("lab:1:send", [], env);
  await runOk("lab:4:emit_log_direct", [], env);
  await runOk("lab1:durable:send", student.args, env);
  assert.deepEqual(await runOk("lab:reset", student.args, env), [
    `Deleted queue "${student.name}" (1 message)`,
    `Kept the walk-through's "awesome_queue", "direct_logs": shared with others on this broker; add --walkthrough to delete those no program uses`,
    `Deleted 1 of the lab's queues and exchanges at "${maskUrl(url)}"`,
  ]);
  await waitForDepth("awesome_queue", 1, url);
  assert.ok(await exchangeExists("direct_logs", url));

  // With no name, it deletes nothing at all.
  const bare = await runTask("lab:reset", [], { env, withoutEnv: ["LAB_GROUP", "LAB_SURNAME"] });
  assertExit(bare, 0);
  assert.deepEqual(bare.stdout, [
    `Kept the walk-through's "awesome_queue", "direct_logs": shared with others on this broker; add --walkthrough to delete those no program uses`,
    "To delete your own task 1 and task 2 queues and exchanges, give --group and --surname (or LAB_GROUP and LAB_SURNAME in .env)",
  ]);
});

test("a running tutorial-3 receive_logs and a running lab:3:receive_logs still receive after lab:reset, which lists what it left", async () => {
  await using vhost = await testVhost();
  const { url, env } = vhost;
  const student = uniqueStudent();
  await using tutorial = await startReceiveLogs(url);
  await using lab = await startLab("lab:3:receive_logs", [], env);
  // The default form: your objects only; the shared exchange is named as kept.
  assert.deepEqual(await runOk("lab:reset", student.args, env), [
    `Kept the walk-through's "logs": shared with others on this broker; add --walkthrough to delete those no program uses`,
    `Nothing to delete: none of your lab queues and exchanges exist at "${maskUrl(url)}"`,
  ]);
  // --walkthrough: "logs" is bound to the subscribers' queues, so it stays, and says why.
  const walkthrough = await runTask("lab:reset", [...student.args, "--walkthrough"], { env });
  assertExit(walkthrough, 1);
  assert.deepEqual(walkthrough.stdout, [
    `Not deleted: exchange "logs" is still bound to queues this reset does not delete (a running program's, or one left above); it goes once they are gone`,
  ]);

  await runOk("lab:3:emit_log", ["after the reset"], env);
  await tutorial.waitFor(" [x] after the reset");
  await lab.waitFor("RECEIVED: after the reset");
});

test("lab:reset leaves a queue that a program consumes from, and the exchange bound to it, says why, and exits 1", async () => {
  await using vhost = await testVhost();
  const { url, env } = vhost;
  const student = uniqueStudent();
  const { queue, exchange } = task2Names(student.name, "topic");
  await using worker = await startLab("lab2:topic:worker", student.args, env);
  await waitForConsumers(queue, 1, url);
  const result = await runTask("lab:reset", student.args, { env });
  assertExit(result, 1);
  assert.deepEqual(result.stdout, [
    `Not deleted: queue "${queue}" has 1 consumer: a running program uses it; stop that program and run lab:reset again`,
    `Not deleted: exchange "${exchange}" is still bound to queues this reset does not delete (a running program's, or one left above); it goes once they are gone`,
  ]);
  assert.equal(await queueState(queue, url), "exists");
  assertExit(await stopped(worker), 0);
  // Once the worker has stopped, the same reset deletes both.
  assert.deepEqual(await runOk("lab:reset", student.args, env), [
    `Deleted queue "${queue}" (0 messages)`,
    `Deleted exchange "${exchange}"`,
    `Deleted 2 of the lab's queues and exchanges at "${maskUrl(url)}"`,
  ]);
});

test("lab:reset lets a student switch task 1 variants: the next variant's queue was refused before", async () => {
  await using vhost = await testVhost();
  const { url, env } = vhost;
  const student = uniqueStudent();
  await runOk("lab1:durable:send", student.args, env);
  const refused = await runTask("lab1:autodelete:send", student.args, { env });
  assertExit(refused, 1);
  assert.match(
    refused.stderr[0],
    new RegExp(`^The queue "${student.name}" already exists with auto_delete "false"`),
  );
  // The way out it names works on a shared broker too (no rabbitmqctl there), and is safe there.
  assert.ok(
    refused.stderr[0].endsWith(
      `; delete your lab queues and exchanges with "deno task lab:reset ${
        student.args.join(" ")
      }" and run again`,
    ),
    refused.stderr[0],
  );
  assert.equal(refused.stderr.length, 1);

  assert.deepEqual(await runOk("lab:reset", student.args, env), [
    `Deleted queue "${student.name}" (1 message)`,
    `Deleted 1 of the lab's queues and exchanges at "${maskUrl(url)}"`,
  ]);
  await runOk("lab1:autodelete:send", student.args, env);
});

test("a walk-through program refused for a queue of other settings advises lab:reset --walkthrough", async () => {
  await using vhost = await testVhost();
  const { env } = vhost;
  await runOk("lab1:durable:send", ["--queue", "inbo-04_laptev"], env);
  const refused = await runTask("lab:1:send", ["--queue", "inbo-04_laptev"], { env });
  assertExit(refused, 1);
  assert.deepEqual(refused.stderr, [
    `The queue "inbo-04_laptev" already exists with durable "true", but this program declares it with durable "false"; delete the walk-through's queues and exchanges that no program is using with "deno task lab:reset --walkthrough" and run again`,
  ]);
});

test("lab:reset leaves an exclusive queue in use, says why, and exits 1", async () => {
  await using vhost = await testVhost();
  const { url, env } = vhost;
  const student = uniqueStudent();
  await using _consumer = await startLab("lab1:exclusive:receive", student.args, env);
  const result = await runTask("lab:reset", student.args, { env });
  assertExit(result, 1);
  assert.deepEqual(result.stdout, [
    `Not deleted: queue "${student.name}" is exclusive to a running program; stop that program and the queue goes with it`,
  ]);
  assert.equal(await queueState(student.name, url), "exclusive");
});

test("tutorials and the lab share a broker: each pair of programs runs in either order", async () => {
  // Tutorial 2's task_queue (quorum) and the lab's lab_task_queue (classic) are two queues; logs
  // and direct_logs are declared alike by tutorials 3 and 4 and the lab's parts 3 and 4.
  const pairs: [string, string][] = [
    ["new_task", "lab:2:new_task"],
    ["worker", "lab:2:worker"],
    ["emit_log", "lab:3:emit_log"],
    ["receive_logs", "lab:3:receive_logs"],
    ["emit_log_direct", "lab:4:emit_log_direct"],
    ["receive_logs_direct", "lab:4:receive_logs_direct"],
  ];
  const args: Record<string, string[]> = {
    receive_logs_direct: ["info"],
    "lab:4:receive_logs_direct": ["info"],
  };
  const ready: Record<string, string> = {
    worker: WAITING,
    receive_logs: WAITING_LOGS,
    receive_logs_direct: WAITING_LOGS,
  };
  /** Runs a producer to completion, or starts a consumer and stops it once it is ready. */
  async function run(task: string, url: string) {
    const env = { AMQP_URL: url };
    if (task in ready || task.startsWith("lab:") && /receive|worker/.test(task)) {
      await using program = await startReady(task, args[task] ?? [], ready[task] ?? LAB_WAITING, {
        env,
      });
      assertExit(await stopped(program), 0);
    } else {
      assertExit(await runTask(task, args[task] ?? [], { env }), 0);
    }
  }
  for (const [tutorial, lab] of pairs) {
    for (const order of [[tutorial, lab], [lab, tutorial]]) {
      await using vhost = await testVhost();
      for (const task of order) await run(task, vhost.url);
    }
  }
});

for (
  const task of [
    "lab:1:send",
    "lab:2:worker",
    "lab1:exclusive:send",
    "lab2:topic:worker",
    "lab:reset",
  ]
) {
  test(`${task} --help prints its usage and the --url option, and exits 0`, async () => {
    const result = await runTask(task, ["--help"], { env: ENV });
    assertExit(result, 0);
    assert.ok(result.stdout.some((line) => line.startsWith(`Usage: deno task ${task} [options]`)));
    assert.ok(result.stdout.some((line) => line.includes("--url URL")));
  });
}

test("a group number of other than two digits is warned about on stderr, and the program runs with the name as given", async () => {
  await using vhost = await testVhost();
  const student = uniqueStudent("test-4");
  const result = await runTask("lab1:durable:send", [...student.args, "typo?"], { env: vhost.env });
  assertExit(result, 0);
  assert.deepEqual(result.stderr, [
    `WARNING: the group "test-4" has a number of 1 digit, "4", where the course's groups have two, as in "inbo-04" (did you mean "test-04"?); your queues and exchanges are named with "test-4" as given`,
  ]);
  assert.deepEqual(result.stdout, [
    `INFO: Queue "${student.name}" in vhost "${urlParts(vhost.url).vhost}"`,
    "SENT: typo?",
  ]);
  await waitForDepth(student.name, 1, vhost.url);
});
