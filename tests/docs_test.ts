/**
 * The docs tell the truth about the tasks: every `deno task NAME` that
 * README.md and docs/*.md name exists in deno.json, and every program's
 * task is named somewhere in the docs. No broker needed.
 */
import assert from "node:assert/strict";
import { test } from "./_helpers.ts";

const ROOT = new URL("../", import.meta.url);
const TASKS = Object.keys(
  JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT))).tasks as Record<string, unknown>,
);

async function docs(): Promise<Record<string, string>> {
  const files: Record<string, string> = {
    "README.md": await Deno.readTextFile(new URL("README.md", ROOT)),
  };
  for await (const entry of Deno.readDir(new URL("docs/", ROOT))) {
    if (entry.name.endsWith(".md")) {
      files[`docs/${entry.name}`] = await Deno.readTextFile(new URL(`docs/${entry.name}`, ROOT));
    }
  }
  return files;
}

/** The task names after `deno task` (and `deno task -q`), skipping placeholders like NAME. */
function namedTasks(text: string): string[] {
  const names = [...text.matchAll(/deno task (?:-q )?([a-z][\w:]*)/g)].map((match) => match[1]);
  return names.filter((name) => !["NAME", "X"].includes(name));
}

test("every `deno task NAME` in README.md and docs/*.md exists in deno.json", async () => {
  for (const [file, text] of Object.entries(await docs())) {
    const unknown = namedTasks(text).filter((name) => !TASKS.includes(name));
    assert.deepEqual([...new Set(unknown)], [], `${file} names tasks deno.json does not have`);
  }
});

test("every task of deno.json is named in README.md or docs/*.md", async () => {
  const named = new Set(Object.values(await docs()).flatMap(namedTasks));
  const unnamed = TASKS.filter((task) => !named.has(task));
  assert.deepEqual(unnamed, [], "tasks no document mentions");
});

test("README.md links only to docs that exist", async () => {
  const readme = await Deno.readTextFile(new URL("README.md", ROOT));
  for (const [, path] of readme.matchAll(/\]\((docs\/[^)#]+)/g)) {
    await Deno.stat(new URL(path, ROOT)); // throws NotFound for a broken link
  }
});
