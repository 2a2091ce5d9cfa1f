/**
 * `deno task send`, step by step, for the bench's table of where its
 * milliseconds go: does what scripts/send.ts does, with the same modules and
 * calls, and prints on its last line the wall clock (milliseconds since the
 * epoch) after each step: `start` (Deno runs this module's first line),
 * `loaded` (the modules send.ts imports are loaded), `connected` (TCP and
 * the AMQP handshake), `channel`, `declared`, `published` (and printed),
 * `closed` (channel and connection).
 *
 * Run:   deno run -q --allow-net --allow-env --allow-read bench/send_steps.ts --queue NAME
 */
const now = () => performance.timeOrigin + performance.now();
const marks: Record<string, number> = { start: now() };

// Imported here rather than above, so that loading them is a step of its own.
const [{ default: amqp }, { Buffer }, { cli }, { connectFirst, socketOptions }] = await Promise
  .all([
    import("amqplib"),
    import("node:buffer"),
    import("../lib/cli.ts"),
    import("../lib/connect.ts"),
  ]);
marks.loaded = now();

const { brokers, values } = cli("send", {
  summary: "Send 'Hello World!' to the queue \"hello\", timing each step",
  options: { queue: "hello" },
});
const connection = await connectFirst(brokers, (url) => amqp.connect(url, socketOptions(url)));
marks.connected = now();
const channel = await connection.createChannel();
marks.channel = now();
await channel.assertQueue(values.queue, {
  durable: true,
  arguments: { "x-queue-type": "quorum" },
});
marks.declared = now();
channel.sendToQueue(values.queue, Buffer.from("Hello World!"));
console.log(" [x] Sent 'Hello World!'");
marks.published = now();
await channel.close();
await connection.close();
marks.closed = now();
console.log(JSON.stringify(marks));
