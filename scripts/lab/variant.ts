/**
 * Lab 5: which variant of each task is yours. The rule: divide the last
 * digit of your ticket number by the number of variants (3); remainder 1 is
 * variant 1, remainder 2 is variant 2, remainder 0 is variant 3. Prints the
 * variant of each task and the commands that run it.
 *
 * Run:   deno task lab:variant 27
 * Needs: --allow-env (AMQP_URL, read by every program's option parser)
 */
import { parseCli } from "../../lib/config.ts";
import { TASK1_VARIANTS, TASK2_VARIANTS, variantNumber } from "../../lib/lab_variants.ts";

const { positionals } = parseCli({
  name: "lab:variant",
  summary: "Print your variant of each task of lab 5 for your ticket number",
  args: "<ticket>",
  minArgs: 1,
  maxArgs: 1,
});
const TICKET = positionals[0];
const TASKS = [
  { title: "Task 1 (one producer, one queue, one consumer)", variants: TASK1_VARIANTS },
  { title: "Task 2 (competing workers, an exchange in front)", variants: TASK2_VARIANTS },
];
const NAME = "--group <group> --surname <surname>";

for (const { title, variants } of TASKS) {
  const number = variantNumber(TICKET, variants.length);
  const digit = TICKET.at(-1);
  const remainder = Number(digit) % variants.length;
  const rule = `last digit ${digit}, ${digit} mod ${variants.length} = ${remainder}${
    remainder === 0 ? ", which means the last variant" : ""
  }`;
  const variant = variants[number - 1];
  console.log(`${title}: variant ${number} (${rule})`);
  console.log(`  ${variant.summary}`);
  console.log(`  deno task ${variant.consumer} ${NAME}`);
  console.log(`  deno task ${variant.producer} ${NAME} [message...]`);
}
