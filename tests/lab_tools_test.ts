import assert from "node:assert/strict";
import { task2Names, WALKTHROUGH_EXCHANGES, WALKTHROUGH_QUEUES } from "../lib/lab.ts";
import { TASK1_VARIANTS, TASK2_VARIANTS } from "../lib/lab_variants.ts";
import { maskUrl } from "../lib/url.ts";
import { workSeconds } from "../lib/work.ts";
import { ENV, runTask, stopThenClean, URL, waitForDepth, withVhost } from "./_helpers.ts";
import {
  deleteStudentObjects,
  exchangeExists,
  queueState,
  runLab,
  startLab,
  uniqueStudent,
} from "./_lab_helpers.ts";

const EXPECTED_FORM =
  'expected <group>_<surname>: a lowercase Latin group code with its number, an underscore, a lowercase Latin surname, e.g. "inbo-04_laptev"';

const BAD_NAMES = [
  "Inbo-04_laptev", // upper case
  "inbo04_laptev", // no "-" before the group's number
  "inbo_laptev", // no group number
  "inbo-04_Laptev",
  "inbo-04-laptev", // no underscore
  "inbo-04_лаптев", // not Latin
  "inbo-04_laptev2",
  "inbo-04_",
  "_laptev",
  "inbo-04_lap tev",
];

/** The same mistakes made with --group and --surname. */
const BAD_PARTS = [
  ["Inbo-04", "laptev"],
  ["inbo04", "laptev"],
  ["inbo-04", "Laptev"],
  ["inbo-04", "лаптев"],
  ["inbo-04", "laptev2"],
  ["04", "laptev"],
  ["inbo-04", "lap tev"],
];

async function assertRefused(task: string, args: string[], shown: string) {
  const result = await runTask(task, args, { env: ENV });
  assert.equal(result.code, 2, `${shown}: ${result.stderr.join("\n")}`);
  assert.deepEqual(result.stderr, [`Invalid queue name "${shown}": ${EXPECTED_FORM}`]);
  assert.deepEqual(result.stdout, []);
}

for (const task of ["lab1:durable:send", "lab1:exclusive:receive"]) {
  Deno.test(`${task} --queue refuses a name not of the form <group>_<surname>, showing the form and an example`, async () => {
    for (const name of BAD_NAMES) await assertRefused(task, ["--queue", name], name);
  });
}

for (const task of ["lab1:autodelete:receive", "lab2:fanout:new_task", "lab2:direct:worker"]) {
  Deno.test(`${task} --group --surname refuses a name not of the form <group>_<surname>`, async () => {
    for (const [group, surname] of BAD_PARTS) {
      await assertRefused(task, ["--group", group, "--surname", surname], `${group}_${surname}`);
    }
  });
}

Deno.test("lab programs accept <group>_<surname> names from --queue, --group/--surname and LAB_GROUP/LAB_SURNAME", async () => {
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
    assert.equal(result.code, 1, result.stderr.join("\n"));
    assert.match(result.stderr[0], new RegExp(`^No queue "${name}" to deliver to`));
  }
});

Deno.test("lab programs without a name say which part is missing and how to give it", async () => {
  for (const [args, missing] of [[[], "group"], [["--group", "inbo-04"], "surname"]] as const) {
    const result = await runTask("lab1:durable:receive", [...args], {
      env: ENV,
      withoutEnv: ["LAB_GROUP", "LAB_SURNAME"],
    });
    assert.equal(result.code, 2);
    assert.deepEqual(result.stderr, [
      `Missing your ${missing}: give --group and --surname (or LAB_GROUP and LAB_SURNAME in .env), e.g. "--group inbo-04 --surname laptev" for the queue "inbo-04_laptev"`,
    ]);
  }
});

for (let digit = 0; digit <= 9; digit++) {
  const ticket = `70${digit}`; // 700 mod 3 = 1: only the last digit gives the variant
  const expected = digit % 3 === 0 ? 3 : digit % 3;
  Deno.test(`lab:variant ${ticket} gives variant ${expected} of each task`, async () => {
    const stdout = await runLab("lab:variant", [ticket]);
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

Deno.test("lab:variant names the variants' own programs: task 1 1-2-3 = exclusive, durable, auto-delete; task 2 = #/fanout, */direct, -/topic", () => {
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

Deno.test("lab:variant refuses a ticket that is not digits only, with the usage", async () => {
  for (const args of [["12a"], ["1.7"], ["№17"], [""]]) {
    const result = await runTask("lab:variant", args, { env: ENV });
    assert.equal(result.code, 2, JSON.stringify(args));
    assert.deepEqual(result.stderr, [
      `Invalid ticket number "${args[0]}": expected digits only, e.g. "deno task lab:variant 17"`,
    ]);
  }
  for (const args of [[], ["1", "2"], ["-5"]]) {
    const result = await runTask("lab:variant", args, { env: ENV });
    assert.equal(result.code, 2, JSON.stringify(args));
    assert.equal(result.stderr.length, 1);
    assert.match(result.stderr[0], /Usage: deno task lab:variant \[options\] <ticket>/);
  }
});

Deno.test("lab:reset deletes the walk-through's and the student's queues and exchanges, then finds nothing to delete", async () => {
  // lab:reset deletes fixed names (task_queue, logs, ...): in a vhost of its own, a user's are safe.
  await withVhost(async (url) => {
    const env = { AMQP_URL: url };
    const student = uniqueStudent();
    // Every object the lab's programs declare by name.
    await runLab("lab:1:send", [], env);
    await runLab("lab:2:new_task", ["queued."], env);
    await runLab("lab:3:emit_log", [], env);
    await runLab("lab:4:emit_log_direct", [], env);
    await runLab("lab:5:emit_stock", [], env);
    await runLab("lab1:durable:send", student.args, env);
    for (const variant of TASK2_VARIANTS.filter((v) => v.durable)) {
      await runLab(variant.producer, student.args, env);
    }
    const tasks = task2Names(student.name, "fanout").queue;
    const exchanges = TASK2_VARIANTS.filter((v) => v.durable).map((v) =>
      task2Names(student.name, v.exchangeType).exchange
    );
    await waitForDepth(tasks, 2, url);

    const stdout = await runLab("lab:reset", student.args, env);
    assert.deepEqual(stdout, [
      `Deleted queue "awesome_queue" (1 message)`,
      `Deleted queue "task_queue" (1 message)`,
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

    assert.deepEqual(await runLab("lab:reset", student.args, env), [
      `Nothing to delete: none of the lab's queues and exchanges exist at "${maskUrl(url)}"`,
    ]);
  });
});

Deno.test("lab:reset without a name deletes only the walk-through's objects and says how to add yours", async () => {
  await withVhost(async (url) => {
    const env = { AMQP_URL: url };
    const student = uniqueStudent();
    await runLab("lab:1:send", [], env);
    await runLab("lab:3:emit_log", [], env);
    await runLab("lab1:durable:send", student.args, env);
    const reset = await runTask("lab:reset", [], { env, withoutEnv: ["LAB_GROUP", "LAB_SURNAME"] });
    assert.equal(reset.code, 0, reset.stderr.join("\n"));
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
});

Deno.test("lab:reset lets a student switch task 1 variants: the next variant's queue was refused before", async () => {
  const student = uniqueStudent();
  try {
    await runLab("lab1:durable:send", student.args);
    const refused = await runTask("lab1:autodelete:send", student.args, { env: ENV });
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr[0],
      new RegExp(`^The queue "${student.name}" already exists with auto_delete "false"`),
    );
    // The way out it names works on a shared broker too (no rabbitmqctl there).
    assert.match(
      refused.stderr[0],
      /; delete the lab's queues and exchanges with "deno task lab:reset" \(with your --group and --surname\) and run again$/,
    );
    assert.equal(refused.stderr.length, 1);

    assert.deepEqual(await runLab("lab:reset", [...student.args, "--mine-only"]), [
      `Deleted queue "${student.name}" (1 message)`,
      `Deleted 1 of the lab's queues and exchanges at "${maskUrl(URL)}"`,
    ]);
    await runLab("lab1:autodelete:send", student.args);
  } finally {
    await deleteStudentObjects(student);
  }
});

Deno.test("lab:reset leaves an exclusive queue in use, says why, and exits 1", async () => {
  const student = uniqueStudent();
  const consumer = await startLab("lab1:exclusive:receive", student.args);
  try {
    const result = await runTask("lab:reset", [...student.args, "--mine-only"], { env: ENV });
    assert.equal(result.code, 1);
    assert.deepEqual(result.stdout, [
      `Not deleted: queue "${student.name}" is exclusive to a running program; stop that program and the queue goes with it`,
    ]);
    assert.equal(await queueState(student.name), "exclusive");
  } finally {
    await stopThenClean(consumer, () => deleteStudentObjects(student));
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
  Deno.test(`${task} --help prints its usage and the --url option, and exits 0`, async () => {
    const result = await runTask(task, ["--help"], { env: ENV });
    assert.equal(result.code, 0);
    assert.ok(result.stdout.some((line) => line.startsWith(`Usage: deno task ${task} [options]`)));
    assert.ok(result.stdout.some((line) => line.includes("--url URL")));
  });
}

Deno.test("workSeconds counts only the sleep character, one second each", () => {
  assert.equal(workSeconds("Hello..."), 3);
  assert.equal(workSeconds("a#b.c#*-", { sleepChar: "#" }), 2);
  assert.equal(workSeconds("no work", { sleepChar: "*" }), 0);
  assert.equal(workSeconds("--", { sleepChar: "-", secondsPerChar: 0.5 }), 1);
});
