/**
 * Helpers for the lab's tests: a unique student per test, starting lab
 * consumers, and telling whether a queue or exchange exists.
 */
import assert from "node:assert/strict";
import { task2Names, task2Queue, WAITING } from "../lib/lab.ts";
import { TASK2_EXCHANGE_TYPES } from "../lib/lab_variants.ts";
import {
  deleteExchanges,
  deleteQueues,
  ENV,
  type Program,
  runTask,
  startReady,
  withChannel,
} from "./_helpers.ts";

export { WAITING };
export { queueState } from "./_helpers.ts";

/** A student of their own for one test: group `test-NNNN`, a random Latin surname. */
export interface Student {
  /** `<group>_<surname>`: task 1's queue. */
  name: string;
  /** `--group G --surname S`, for the programs. */
  args: string[];
}

/** A student no other test uses, e.g. `test-4821_qzkfbwma`. */
export function uniqueStudent(): Student {
  const letters = Array.from(
    crypto.getRandomValues(new Uint8Array(10)),
    (byte) => String.fromCharCode(97 + (byte % 26)),
  ).join("");
  const group = `test-${1000 + Math.floor(Math.random() * 9000)}`;
  return { name: `${group}_${letters}`, args: ["--group", group, "--surname", letters] };
}

/** Deletes every queue and exchange the lab's programs declare for the student. */
export async function deleteStudentObjects(student: Student): Promise<void> {
  await deleteQueues(student.name, task2Queue(student.name));
  await deleteExchanges(
    ...TASK2_EXCHANGE_TYPES.map((type) => task2Names(student.name, type).exchange),
  );
}

/** Starts a lab consumer and waits for its ready line. */
export function startLab(task: string, args: string[] = []): Promise<Program> {
  return startReady(task, args, WAITING);
}

/** Runs a lab program that must succeed, and returns its stdout. */
export async function runLab(task: string, args: string[] = [], env = ENV): Promise<string[]> {
  const result = await runTask(task, args, { env });
  assert.equal(result.code, 0, `${task} failed: ${result.stderr.join("\n")}`);
  assert.deepEqual(result.stderr, []);
  return result.stdout;
}

/** True when the exchange exists; other failures than NOT_FOUND are thrown. */
export async function exchangeExists(exchange: string, url?: string): Promise<boolean> {
  try {
    await withChannel((channel) => channel.checkExchange(exchange), url);
    return true;
  } catch (error) {
    if ((error as { code?: number }).code === 404) return false;
    throw error;
  }
}
