import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { managementRequest } from "../lib/management.ts";
import { restartBroker } from "../tools/lib/broker.ts";
import { LAB_WAITING } from "../tools/lib/ready_lines.ts";
import { task2Names } from "../lib/lab/names.ts";
import { TASK2_VARIANTS } from "../lib/lab/variants.ts";
import { usingLine } from "../lib/lab/cli.ts";
import { urlParts } from "../lib/url.ts";
import {
  assertExit,
  BROKER_URL,
  brokerVersionAt,
  cannotRestartReason,
  eventually,
  exchangeExists,
  KILLED,
  type Program,
  queueState,
  runOk,
  startLab,
  stopped,
  type Student,
  test,
  testName,
  testStudent,
  waitForConsumers,
  waitForDepth,
  withChannel,
} from "./_helpers.ts";

const received = (worker: Program) => worker.stdout.filter((line) => line.startsWith("RECEIVED"));
const done = (worker: Program) => worker.stdout.filter((line) => line === "INFO: Done").length;

/**
 * Whether the broker keeps a NON-durable exchange across a restart. With Mnesia (RabbitMQ 3.x,
 * and 4.0 to 4.1 by default) it deletes it; with Khepri (the only metadata store of 4.3, the
 * default from 4.2) it keeps it: Khepri stores every exchange on disk ("Transient exchanges are
 * deprecated in Khepri, all exchanges are recovered", rabbit_db_exchange.erl; PR
 * rabbitmq-server#12947). The transient queue bound to it and the tasks in that queue are gone
 * either way. So ask the broker whether its khepri_db feature flag is enabled.
 */
async function keepsTransientExchanges(): Promise<boolean> {
  const flags = await managementRequest(BROKER_URL, "/api/feature-flags") as {
    name: string;
    state: string;
  }[];
  return flags.some((flag) => flag.name === "khepri_db" && flag.state === "enabled");
}

const noRestart = await cannotRestartReason();
/** The test broker's vhost, as the programs' first INFO line names it. */
const VHOST = urlParts(BROKER_URL).vhost;

for (const variant of TASK2_VARIANTS) {
  const { consumer, producer, sleepChar, exchangeType } = variant;
  const label = `lab2:${exchangeType} (variant ${variant.number})`;
  const using = (student: Student) => usingLine(VHOST, task2Names(student.name, exchangeType));
  const newTask = async (student: Student, task: string) =>
    assert.deepEqual(await runOk(producer, [...student.args, task]), [
      using(student),
      `SENT: ${task}`,
    ]);

  test(`${label}: two workers share the tasks, each done once, and a busy worker gets no new task (prefetch 1)`, async () => {
    await using student = testStudent();
    await using first = await startLab(consumer, student.args);
    await using second = await startLab(consumer, student.args);
    const workers = [first, second];
    await waitForConsumers(task2Names(student.name, exchangeType).queue, 2);
    const long = `long ${sleepChar.repeat(3)}`;
    await newTask(student, long);
    const busy = await Promise.any(
      workers.map((worker) => worker.waitFor(`RECEIVED: ${long}`).then(() => worker)),
    );
    const free = workers.find((worker) => worker !== busy)!;
    const short = ["short 1", "short 2", "short 3"];
    for (const task of short) await newTask(student, task);
    await free.waitFor("INFO: Done", { count: 3 });

    // With prefetch 1 the busy worker is offered nothing while it works.
    assert.deepEqual(received(busy), [`RECEIVED: ${long}`]);
    assert.equal(done(busy), 0, "the long task is still in progress");
    assert.deepEqual(received(free), short.map((task) => `RECEIVED: ${task}`));
    await busy.waitFor("INFO: Done");
    assert.deepEqual(received(busy), [`RECEIVED: ${long}`], "every task once, none twice");
    await waitForDepth(task2Names(student.name, exchangeType).queue, 0);
  });

  test(`${label}: each "${sleepChar}" is one second of work, other sleep characters none`, async () => {
    await using student = testStudent();
    await using worker = await startLab(consumer, student.args);
    // Two of this variant's sleep characters among the other variants' (and the tutorial's ".").
    const others = [".", ...TASK2_VARIANTS.map((v) => v.sleepChar)]
      .filter((c) => c !== sleepChar).join("");
    const task = `timed ${sleepChar}${others}${sleepChar}`;
    await newTask(student, task);
    await worker.waitFor(`RECEIVED: ${task}`);
    const start = Date.now();
    await worker.waitFor("INFO: Done");
    const seconds = (Date.now() - start) / 1000;
    assert.ok(seconds >= 1.8 && seconds < 2.8, `took ${seconds} s, expected 2 s`);
  });

  test(`${label}: with tasks queued before it starts, the worker prints its Waiting line first, and says when a task has no "${sleepChar}"`, async () => {
    await using student = testStudent();
    // No worker has run yet: new_task declares the queue and its binding itself.
    await newTask(student, "no work");
    await newTask(student, `some work ${sleepChar}`);
    await waitForDepth(task2Names(student.name, exchangeType).queue, 2);
    await using worker = await startLab(consumer, student.args);
    await worker.waitFor("INFO: Done", { count: 2 });
    assertExit(await stopped(worker), 0);
    assert.deepEqual(worker.stdout, [
      using(student),
      LAB_WAITING,
      "RECEIVED: no work",
      `INFO: No "${sleepChar}" in this task, so no work to do`,
      "INFO: Done",
      `RECEIVED: some work ${sleepChar}`,
      "INFO: Done",
    ]);
  });

  test(`${label}: a worker killed mid-task loses nothing: another worker does the task`, async () => {
    await using student = testStudent();
    await using first = await startLab(consumer, student.args);
    const task = `doomed ${sleepChar.repeat(3)}`;
    await newTask(student, task);
    await first.waitFor(`RECEIVED: ${task}`);
    await using second = await startLab(consumer, student.args);
    assertExit(await stopped(first, "SIGKILL"), KILLED);
    assert.equal(done(first), 0);

    await second.waitFor("INFO: Done");
    assert.deepEqual(received(second), [`RECEIVED: ${task} (redelivered)`]);
    await waitForDepth(task2Names(student.name, exchangeType).queue, 0);
  });

  test(
    `${label}: the worker binds its queue with ${
      variant.bindingKey ? `"${variant.bindingKey}"` : "no key"
    }, which routes new_task's "${variant.routingKey}"${
      exchangeType === "fanout" ? " and any other key" : ", not other keys"
    }`,
    async () => {
      await using student = testStudent();
      const { exchange } = task2Names(student.name, exchangeType);
      // Only the worker declares and binds here: the tasks are published by hand, not by new_task.
      await using worker = await startLab(consumer, student.args);
      await withChannel(async (channel) => {
        channel.publish(exchange, "other.key", Buffer.from("other key"));
        channel.publish(exchange, variant.routingKey, Buffer.from("right key"));
        await channel.close(); // waits until the broker has both
      });
      await worker.waitFor("RECEIVED: right key");
      await worker.waitFor("INFO: Done", { count: received(worker).length });
      assert.deepEqual(
        received(worker),
        exchangeType === "fanout"
          ? ["RECEIVED: other key", "RECEIVED: right key"]
          : ["RECEIVED: right key"],
      );
    },
  );

  test({
    name: testName(
      variant.durable
        ? `${label}: queued tasks survive a broker restart`
        : `${label}: queued tasks are lost in a broker restart (transient)`,
      noRestart,
    ),
    ignore: noRestart !== undefined,
    async fn() {
      await using student = testStudent();
      const { queue, exchange } = task2Names(student.name, exchangeType);
      // No worker has run yet: new_task declares the queue and its binding itself.
      await newTask(student, `kept ${sleepChar}`);
      await newTask(student, `kept too ${sleepChar}`);
      await waitForDepth(queue, 2);

      await restartBroker(BROKER_URL);

      if (variant.durable) {
        await waitForDepth(queue, 2);
        assert.ok(await exchangeExists(exchange));
        await using worker = await startLab(consumer, student.args);
        await eventually(
          "the worker has done 2 tasks",
          () => Promise.resolve(done(worker) === 2),
        );
        assertExit(await stopped(worker), 0);
        assert.deepEqual(received(worker), [
          `RECEIVED: kept ${sleepChar}`,
          `RECEIVED: kept too ${sleepChar}`,
        ]);
      } else {
        // The transient queue and the tasks in it are gone; the exchange, as the version does.
        assert.equal(await queueState(queue), "missing");
        const version = await brokerVersionAt();
        const keeps = await keepsTransientExchanges();
        assert.equal(
          await exchangeExists(exchange),
          keeps,
          `RabbitMQ ${version} (Khepri ${keeps ? "on" : "off"}) ${keeps ? "keeps" : "deletes"} it`,
        );
        // A worker started now declares them anew, empty: it gets nothing.
        await using worker = await startLab(consumer, student.args);
        await waitForDepth(queue, 0);
        await newTask(student, `after ${sleepChar}`);
        await worker.waitFor("INFO: Done");
        assertExit(await stopped(worker), 0);
        assert.deepEqual(received(worker), [`RECEIVED: after ${sleepChar}`]);
      }
    },
  });
}
