/**
 * Unit tests of a course's setup (tools/lib/course.ts), without a broker:
 * the roster's forms and its mistakes, the generated passwords, and the
 * permission regexes matched against every name the lab uses (the broker
 * matches them the same way: tests/lab_course_test.ts proves it there).
 */
import assert from "node:assert/strict";
import { studentObjects, WALKTHROUGH_EXCHANGES, WALKTHROUGH_QUEUES } from "../../lib/lab/names.ts";
import { ProgramError } from "../../lib/program_error.ts";
import { newPassword, parseRoster, studentPermissions } from "../../tools/lib/course.ts";

/** The usage error `fn` throws. */
function usageError(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ProgramError && error.kind === "usage", String(error));
    return error.message;
  }
  assert.fail("nothing thrown");
}

Deno.test("a roster: CSV with a header and more columns, semicolons, spaces, the queue-name form; upper case lowered, each student once", () => {
  const roster = [
    "\uFEFFGroup,Surname,First name",
    "INBO-04,Ivanova,Anna",
    "inbo-04;petrov",
    "# a comment, then a blank line",
    "",
    "inbo-04\tsidorova",
    "inbo-05   kuznetsov",
    '"inbo-05","popova"',
    "inbo-04_rimsky-korsakov",
    "inbo-04,ivanova",
  ].join("\r\n");
  assert.deepEqual(parseRoster(roster, "roster.csv"), [
    "inbo-04_ivanova",
    "inbo-04_petrov",
    "inbo-04_sidorova",
    "inbo-05_kuznetsov",
    "inbo-05_popova",
    "inbo-04_rimsky-korsakov",
  ]);
});

Deno.test("a roster's bad line is named by file and line, with the name checks' sentence", () => {
  assert.equal(
    usageError(() => parseRoster("inbo-04,ivanova\ninbo-04,иванова\n", "r.csv")),
    `Invalid surname "иванова" (from r.csv line 2): it is written in Cyrillic letters; write it in lowercase Latin letters (transliterated), e.g. "laptev"`,
  );
  assert.match(
    usageError(() => parseRoster("inbo04,ivanova", "r.csv")),
    /^Invalid group "inbo04" \(from r\.csv line 1\): the hyphen before the number is required/,
  );
  assert.match(
    usageError(() => parseRoster("x\ninbo-04-ivanova", "r.txt")),
    /^r\.txt line 1: Invalid queue name "x": expected <group>_<surname>/,
  );
  assert.match(usageError(() => parseRoster("# nobody\n\n", "r.txt")), /^No students in r\.txt/);
});

Deno.test("generated passwords: 24 letters and digits, nothing a URL escapes, never the same", () => {
  const passwords = new Set(Array.from({ length: 200 }, () => newPassword()));
  assert.equal(passwords.size, 200);
  for (const password of passwords) assert.match(password, /^[A-Za-z0-9]{24}$/);
  // Every character of the alphabet comes up: no bias that leaves some out.
  assert.equal(new Set([...passwords].join("")).size, 62);
});

Deno.test("a student's permissions match every name of theirs and the walk-through's, and no classmate's", () => {
  const students = [
    "inbo-04_ivanova",
    "inbo-04_ivanov",
    "inbo-04_ivanova-petrova",
    "inbo-4_ivanova",
  ];
  const match = (regex: string, name: string) => new RegExp(regex).test(name);
  for (const student of students) {
    const { configure, write, read } = studentPermissions(student);
    const own = [
      ...studentObjects(student).queues,
      ...studentObjects(student).exchanges,
      `${student}_awesome`,
    ];
    const shared = [
      ...WALKTHROUGH_QUEUES,
      ...WALKTHROUGH_EXCHANGES,
      "amq.gen-JzTY20BRgKO-HjmUJj0wLg",
    ];
    for (const name of [...own, ...shared]) {
      for (const regex of [configure, write, read]) {
        assert.ok(match(regex, name), `${student}: ${name}`);
      }
    }
    // The default exchange: write (publishing through it) only.
    assert.ok(match(write, "amq.default"));
    assert.ok(!match(configure, "amq.default") && !match(read, "amq.default"));
    // A classmate's names, however alike, and the tutorials' and the broker's own.
    const others = students.filter((s) => s !== student).flatMap((s) => [
      ...studentObjects(s).queues,
      ...studentObjects(s).exchanges,
    ]);
    for (
      const name of [...others, "task_queue", "hello", "amq.direct", "amq.topic", `x${student}`]
    ) {
      for (const regex of [configure, write, read]) {
        assert.ok(!match(regex, name), `${student} must not match ${name}`);
      }
    }
  }
  assert.equal(
    studentPermissions("inbo-04_ivanova").configure,
    "^(inbo-04_ivanova(_.*)?|awesome_queue|lab_task_queue|logs|direct_logs|stocks|amq\\.gen-.*)$",
  );
});
