/**
 * docs/archive.md runs as written on a broker where the demo has run: the
 * demo, in a vhost of the test's own, leaves no archive queue and no
 * database behind; then every `console` block of the doc is run in order,
 * each `$ deno task ...` line as written, and its output compared with the
 * doc's (times, dates, message ids and AMQP timestamps aside). `^C` ends a
 * block's long-running program as Ctrl+C does, once it has printed the
 * doc's lines. The archive programs get `--db` in a temporary folder, so the
 * test never touches the project's own archive.db.
 */
import assert from "node:assert/strict";
import {
  assertExit,
  queueState,
  runTask,
  startReady,
  stopped,
  test,
  testDir,
  testVhost,
} from "./_helpers.ts";

const ROOT = new URL("../", import.meta.url);
const DOC = "docs/archive.md";
/** The programs that read or write the archive's database, and so get the test's `--db`. */
const WITH_DB = ["archive", "archive:query", "archive:replay"];

/** One `$ deno task ...` line of the doc and the lines it shows after it. */
interface Step {
  task: string;
  args: string[];
  output: string[];
  /** Ends with `^C`: a long-running program, stopped once it has printed `output`. */
  ctrlC: boolean;
}

/** The steps of every ```console block of the doc, in order. */
function steps(doc: string): Step[] {
  const found: Step[] = [];
  for (const [, block] of doc.matchAll(/^```console\n([\s\S]*?)^```$/gm)) {
    for (const line of block.split("\n").slice(0, -1)) {
      if (line.startsWith("$ ")) {
        const [deno, word, task, ...args] = shellWords(line.slice(2));
        assert.deepEqual([deno, word], ["deno", "task"], `not a deno task: ${line}`);
        found.push({ task, args, output: [], ctrlC: false });
      } else if (line === "^C") {
        found.at(-1)!.ctrlC = true;
      } else {
        found.at(-1)!.output.push(line);
      }
    }
  }
  return found;
}

/** Splits a command line as a shell does, for the quoting the doc uses ("..." and '...'). */
function shellWords(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]);
}

/** What changes from run to run: times and dates, message ids, AMQP timestamps; the --db path. */
function normalized(lines: string[], db: string): string[] {
  return lines.map((line) =>
    line.replaceAll(db, "archive.db")
      .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, "<time>")
      .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, "<id>")
      .replace(/"timestamp": \d+/g, '"timestamp": <seconds>')
  );
}

/** The project's own archive.db as it is now: missing, or its size and time of change. */
async function projectArchive(): Promise<string> {
  try {
    const { size, mtime } = await Deno.stat(new URL("archive.db", ROOT));
    return `${size} bytes, changed ${mtime?.toISOString()}`;
  } catch {
    return "missing";
  }
}

test("docs/archive.md: after the demo, which leaves no archive queue or database, every console block prints what the doc shows", async (t) => {
  await using vhost = await testVhost();
  await using dir = await testDir("archive_doc_");
  const db = `${dir.path}/archive.db`;

  await t.step("the demo leaves nothing in reddit.archive or ./archive.db", async () => {
    const before = await projectArchive();
    const demo = await runTask("demo", [], { env: vhost.env });
    assertExit(demo, 0, "deno task demo");
    assert.ok(demo.stdout.some((line) => line.includes("[archive]")), "the archive ran");
    for (const queue of ["reddit.archive", "reddit.archive.demo"]) {
      assert.equal(await queueState(queue, vhost.url), "missing", queue);
    }
    assert.equal(await projectArchive(), before, "the project's archive.db");
    // The demo's own database, in a temporary folder, is gone.
    const demoDb = demo.stdout.join("\n").match(/Archiving "reddit" into (\S+archive\.db):/)?.[1];
    assert.ok(demoDb, "the demo names its database");
    await assert.rejects(Deno.stat(demoDb), Deno.errors.NotFound);
  });

  const doc = await Deno.readTextFile(new URL(DOC, ROOT));
  const all = steps(doc);
  assert.ok(all.length >= 10, `${all.length} commands in ${DOC}`);
  for (const step of all) {
    const args = WITH_DB.includes(step.task) && !step.args.includes("--db")
      ? [...step.args, "--db", db]
      : step.args;
    await t.step(["deno task", step.task, ...step.args].join(" "), async () => {
      if (step.ctrlC) {
        // The doc's lines, then Ctrl+C.
        await using program = await startReady(
          step.task,
          args,
          (started) => started.waitFor(/^/, { count: step.output.length }),
          { env: vhost.env },
        );
        const result = await stopped(program);
        assertExit(result, 0);
        assert.deepEqual(normalized(result.stdout, db), normalized(step.output, db));
        assert.deepEqual(result.stderr, []);
      } else {
        const result = await runTask(step.task, args, { env: vhost.env });
        assertExit(result, result.stderr.length > 0 ? 1 : 0);
        assert.deepEqual(
          normalized([...result.stdout, ...result.stderr], db),
          normalized(step.output, db),
        );
      }
    });
  }
});
