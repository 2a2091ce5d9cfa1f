/**
 * Lab 5's variants and the rule that gives a student theirs: the remainder
 * of the last digit of the ticket number divided by the number of variants
 * (remainder 1: variant 1, 2: variant 2, 0: the last variant).
 *
 * @module
 */
import { ProgramError } from "../program_error.ts";

/** One variant of a task: what sets it apart, and the tasks that run it. */
export interface Variant {
  /** 1, 2 or 3. */
  number: number;
  /** What sets the variant apart, in one line. */
  summary: string;
  /** The consumer's task, to start first. */
  consumer: string;
  /** The producer's task. */
  producer: string;
}

/** A variant of task 2, with the settings its programs declare. */
export interface Task2Variant extends Variant {
  /** The character that stands for one second of work. */
  sleepChar: string;
  /** The type of the exchange in front of the work queue. */
  exchangeType: "fanout" | "direct" | "topic";
  /** Exchange, queue and messages survive a broker restart. */
  durable: boolean;
  /** The routing key new_task publishes with. */
  routingKey: string;
  /** The binding of the work queue to the exchange: none for fanout, a key, a pattern. */
  bindingKey: string;
}

/** Task 1: one producer, one queue `<group>_<surname>`, one consumer. */
export const TASK1_VARIANTS: Variant[] = [
  {
    number: 1,
    summary:
      "exclusive queue: only the consumer's connection uses it, and it goes when that closes",
    consumer: "lab1:exclusive:receive",
    producer: "lab1:exclusive:send",
  },
  {
    number: 2,
    summary: "durable queue and persistent messages: they survive a broker restart",
    consumer: "lab1:durable:receive",
    producer: "lab1:durable:send",
  },
  {
    number: 3,
    summary: "auto-delete queue: deleted when its last consumer disconnects",
    consumer: "lab1:autodelete:receive",
    producer: "lab1:autodelete:send",
  },
];

/** Task 2: competing workers on one queue, with a named exchange in front. */
export const TASK2_VARIANTS: Task2Variant[] = [
  {
    number: 1,
    summary: 'sleep character "#", fanout exchange, tasks survive a broker shutdown',
    consumer: "lab2:fanout:worker",
    producer: "lab2:fanout:new_task",
    sleepChar: "#",
    exchangeType: "fanout",
    durable: true,
    routingKey: "",
    bindingKey: "",
  },
  {
    number: 2,
    summary: 'sleep character "*", direct exchange, tasks need not survive a broker shutdown',
    consumer: "lab2:direct:worker",
    producer: "lab2:direct:new_task",
    sleepChar: "*",
    exchangeType: "direct",
    durable: false,
    routingKey: "task",
    bindingKey: "task",
  },
  {
    number: 3,
    summary: 'sleep character "-", topic exchange, tasks survive a broker shutdown',
    consumer: "lab2:topic:worker",
    producer: "lab2:topic:new_task",
    sleepChar: "-",
    exchangeType: "topic",
    durable: true,
    routingKey: "task.image.resize",
    bindingKey: "task.#",
  },
];

/** The exchange types of task 2's variants, one exchange each per student. */
export const TASK2_EXCHANGE_TYPES = TASK2_VARIANTS.map((variant) => variant.exchangeType);

/**
 * The variant number for a ticket: the last digit modulo `count`, where
 * remainder 0 means the last variant. Throws a usage {@link ProgramError}
 * unless the ticket is digits only.
 *
 * @example
 * ```ts
 * variantNumber("27", 3); // 1 (7 mod 3 = 1)
 * variantNumber("12", 3); // 2
 * variantNumber("9", 3);  // 3 (9 mod 3 = 0)
 * ```
 */
export function variantNumber(ticket: string, count: number): number {
  if (!/^[0-9]+$/.test(ticket)) {
    throw new ProgramError(
      `Invalid ticket number "${ticket}": expected digits only, e.g. "deno task lab:variant 17"`,
      "usage",
    );
  }
  const remainder = Number(ticket.at(-1)) % count;
  return remainder === 0 ? count : remainder;
}
