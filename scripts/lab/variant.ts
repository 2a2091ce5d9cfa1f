/**
 * Lab 5: which variant of each task is yours. The rule: divide the last
 * digit of your ticket number by the number of variants (3); remainder 1 is
 * variant 1, remainder 2 is variant 2, remainder 0 is variant 3. Prints the
 * variant of each task and the commands that run it, with your name when
 * given (--group and --surname, or LAB_GROUP and LAB_SURNAME in .env, or
 * the user of AMQP_URL on a course server, named as you).
 *
 * Run:   deno task lab:variant 27
 * Needs: --allow-env (AMQP_URL, LAB_GROUP, LAB_SURNAME)
 */
import { labCli } from "../../lib/lab/cli.ts";
import { STUDENT_OPTIONS, studentParts } from "../../lib/lab/names.ts";
import { TASK1_VARIANTS, TASK2_VARIANTS, variantNumber } from "../../lib/lab/variants.ts";

const { url, values, positionals } = labCli("lab:variant", {
  summary: "Print your variant of each task of lab 5 for your ticket number",
  args: "<ticket>",
  minArgs: 1,
  maxArgs: 1,
  options: STUDENT_OPTIONS,
});
const ticket = positionals[0];
const { group = "<group>", surname = "<surname>" } = studentParts(values, undefined, url);
const name = `--group ${group} --surname ${surname}`;
const tasks = [
  { title: "Task 1 (one producer, one queue, one consumer)", variants: TASK1_VARIANTS },
  { title: "Task 2 (competing workers, an exchange in front)", variants: TASK2_VARIANTS },
];

for (const { title, variants } of tasks) {
  const number = variantNumber(ticket, variants.length);
  const digit = ticket.at(-1);
  const remainder = Number(digit) % variants.length;
  const rule = `last digit ${digit}, ${digit} mod ${variants.length} = ${remainder}${
    remainder === 0 ? ", which means the last variant" : ""
  }`;
  const variant = variants[number - 1];
  console.log(`${title}: variant ${number} (${rule})`);
  console.log(`  ${variant.summary}`);
  console.log(`  deno task ${variant.consumer} ${name}`);
  console.log(`  deno task ${variant.producer} ${name} [message...]`);
}
