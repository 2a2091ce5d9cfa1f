/**
 * Two brokers on one machine (issue 23): the tools that use the management
 * API (monitor, setup, broker, the tests' helpers) find the API of the
 * broker at the AMQP URL in use (the AMQP port + 10,000 on its host, unless
 * RABBITMQ_MANAGEMENT_URL says otherwise) and check that it is that
 * broker's, else say so in one sentence and create nothing; the stream
 * programs find that broker's stream port.
 *
 * The second broker is SECOND_BROKER_URL, else RABBITMQ4_BARE_URL (the
 * CI's strict 4.x node beside its main one), when it answers and is not
 * the suite's; brokers that nobody named are never touched. Its management
 * API must be at its AMQP port + 10,000, as every broker this project
 * starts has it.
 */
import assert from "node:assert/strict";
import amqp from "amqplib";
import {
  brokerOverview,
  derivedManagementUrl,
  managementRequest,
  OtherBrokerError,
} from "../lib/management.ts";
import { supportsStreams } from "../lib/stream.ts";
import { urlParts } from "../lib/url.ts";
import { startProxy } from "./_proxy.ts";
import {
  assertExit,
  atExit,
  BROKER_URL,
  runTask,
  test,
  testName,
  uniqueName,
  withChannel,
} from "./_helpers.ts";

/** A broker on this machine: its URL, version and cluster name, as it says over AMQP. */
interface Broker {
  url: string;
  version: string;
  cluster: string;
}

/** The broker at `url` as it introduces itself, or undefined when nothing answers there. */
async function broker(url: string): Promise<Broker | undefined> {
  try {
    const connection = await amqp.connect(url, { timeout: 3000 });
    const { version, cluster_name } = connection.connection.serverProperties;
    await connection.close();
    return { url, version: String(version), cluster: String(cluster_name) };
  } catch {
    return undefined;
  }
}

const SUITE = (await broker(BROKER_URL))!;
const CANDIDATES = ["SECOND_BROKER_URL", "RABBITMQ4_BARE_URL"];

/** The second broker: the first candidate that answers and is not the suite's. */
async function secondBroker(): Promise<Broker | undefined> {
  for (const name of CANDIDATES) {
    const url = Deno.env.get(name);
    const found = url ? await broker(url) : undefined;
    if (found && found.cluster !== SUITE.cluster) return found;
  }
}
const SECOND = await secondBroker();
const noSecond = SECOND
  ? undefined
  : `no second broker named (${
    CANDIDATES.join(", ")
  }: unset, not answering, or the suite's broker)`;

/** A test that needs the second broker: skipped, saying why, without one. */
function twoBrokerTest(name: string, fn: () => Promise<void>, skip = noSecond) {
  test({ name: testName(name, skip), ignore: skip !== undefined, fn });
}

/** The environment of a program run against `url` alone: no setting of the suite's broker. */
function aloneWith(url: string, env: Record<string, string> = {}) {
  return {
    env: { AMQP_URL: url, ...env },
    withoutEnv: ["RABBITMQ_MANAGEMENT_URL", "RABBITMQ_STREAM_PORT"],
  };
}

/**
 * The management API of the broker at `url`, at its derived address: the
 * suite's RABBITMQ_MANAGEMENT_URL names only the suite broker's.
 */
function api(url: string, path: string, method?: "DELETE"): Promise<unknown> {
  return managementRequest(url, path, { base: derivedManagementUrl(url), method });
}

/** Whether the broker at `url` has the vhost. */
function hasVhost(url: string, vhost: string): Promise<boolean> {
  return api(url, `/api/vhosts/${vhost}`).then(() => true, () => false);
}

/** A regular expression matching `text` literally. */
const literally = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

/** The one sentence for a management API of `other` used for `mine`, set by RABBITMQ_MANAGEMENT_URL. */
function otherApiSentence(mine: Broker, other: Broker): RegExp {
  return new RegExp(
    `^The management API at "${
      literally(derivedManagementUrl(other.url))
    }" is another broker's \\(RabbitMQ ${literally(other.version)}, cluster "${
      literally(other.cluster)
    }", AMQP port ${urlParts(other.url).port}\\), not the one's at "amqp://guest:\\*\\*\\*@${
      literally(urlParts(mine.url).host)
    }:${urlParts(mine.url).port}" \\(RabbitMQ ${literally(mine.version)}, cluster "${
      literally(mine.cluster)
    }"\\); set RABBITMQ_MANAGEMENT_URL to that broker's management API, or unset it for ${
      literally(derivedManagementUrl(mine.url))
    } \\(the AMQP port \\+ 10,000\\)$`,
  );
}

twoBrokerTest(
  "monitor and broker, given either broker's AMQP URL alone, show that broker and its management API",
  async () => {
    for (const { url, version } of [SUITE, SECOND!]) {
      const monitor = await runTask("monitor", ["--once", "--json"], aloneWith(url));
      assertExit(monitor, 0, `deno task monitor --once --json (AMQP_URL=${url})`);
      const sample = JSON.parse(monitor.stdout[0]);
      assert.equal(sample.broker, `RabbitMQ ${version}`);
      assert.equal(sample.managementUrl, derivedManagementUrl(url));

      const broker = await runTask("broker", [], aloneWith(url));
      assertExit(broker, 0, `deno task broker (AMQP_URL=${url})`);
      assert.ok(
        broker.stdout.includes(
          `Management UI: ${
            derivedManagementUrl(url)
          } (user guest, password guest, unless yours differ)`,
        ),
        broker.stdout.join("\n"),
      );
      assert.ok(broker.stdout.includes(`Version:       RabbitMQ ${version}`));
    }
  },
);

twoBrokerTest(
  "monitor, broker and setup with RABBITMQ_MANAGEMENT_URL of the other broker: one sentence naming both, exit 1, nothing created",
  async () => {
    for (const [mine, other] of [[SUITE, SECOND!], [SECOND!, SUITE]]) {
      const env = aloneWith(mine.url, { RABBITMQ_MANAGEMENT_URL: derivedManagementUrl(other.url) });
      env.withoutEnv = ["RABBITMQ_STREAM_PORT", "SETUP_PASSWORD"];
      const vhost = uniqueName("vhost");
      const user = uniqueName("user");
      for (
        const [task, args] of [
          ["monitor", ["--once"]],
          ["broker", []],
          ["setup", ["--vhost", vhost, "--user", user]],
        ] as const
      ) {
        const result = await runTask(task, [...args], {
          ...env,
          env: { ...env.env, SETUP_PASSWORD: "a-long-password" },
        });
        assertExit(result, 1, `deno task ${task} (AMQP_URL=${mine.url}, the other's API)`);
        const sentence = result.stderr.at(-1) ?? "";
        assert.match(sentence, otherApiSentence(mine, other));
        assert.equal(result.stderr.length, 1, result.stderr.join("\n"));
      }
      for (const { url } of [mine, other]) {
        assert.equal(await hasVhost(url, vhost), false, `no vhost "${vhost}" at ${url}`);
      }
    }
  },
);

twoBrokerTest(
  "setup --url of either broker creates the vhost and user on that broker, not the other",
  async () => {
    for (const [mine, other] of [[SUITE, SECOND!], [SECOND!, SUITE]]) {
      const vhost = uniqueName("vhost");
      const user = uniqueName("user");
      await using _gone = atExit(async () => {
        await api(mine.url, `/api/users/${user}`, "DELETE").catch(() => {});
        await api(mine.url, `/api/vhosts/${vhost}`, "DELETE").catch(() => {});
      });
      const result = await runTask(
        "setup",
        ["--url", mine.url, "--vhost", vhost, "--user", user],
        { ...aloneWith(mine.url, { SETUP_PASSWORD: "a-long-password" }) },
      );
      assertExit(result, 0, `deno task setup --url ${mine.url}`);
      assert.equal(result.stdout[0], `Management API: ${derivedManagementUrl(mine.url)}`);
      assert.equal(await hasVhost(mine.url, vhost), true, `the vhost is on ${mine.url}`);
      assert.equal(await hasVhost(other.url, vhost), false, `the vhost is not on ${other.url}`);
      // The URL it printed logs in: the broker is the right one.
      const url = new URL(mine.url);
      url.username = user;
      url.password = "a-long-password";
      url.pathname = `/${vhost}`;
      assertExit(
        await runTask("send", ["--url", url.href, "--queue", "q"], aloneWith(url.href)),
        0,
      );
    }
  },
);

twoBrokerTest(
  "the tests' helpers: the management API is checked to be the broker's, directly or through a proxy",
  async () => {
    const suiteApi = derivedManagementUrl(SUITE.url);
    const secondApi = derivedManagementUrl(SECOND!.url);
    // The AMQP port is the API's own listener: checked by the listeners.
    assert.equal((await brokerOverview(SUITE.url, { base: suiteApi })).direct, true);
    // Through a proxy the port is another: checked by the cluster name the broker gives over AMQP.
    using proxy = startProxy(SUITE.url);
    const overview = await brokerOverview(proxy.url, { base: suiteApi });
    assert.equal(overview.direct, false);
    assert.equal(overview.clusterName, SUITE.cluster);
    await assert.rejects(
      managementRequest(proxy.url, "/api/whoami", { base: secondApi }),
      (error) => error instanceof OtherBrokerError,
    );
    await assert.rejects(
      managementRequest(SUITE.url, "/api/whoami", { base: secondApi }),
      (error) => error instanceof OtherBrokerError && /is another broker's/.test(error.message),
    );
  },
);

/** Of the two brokers, one for the stream client (3.11 or later) and the other, if any. */
const STREAMS = SECOND &&
  (supportsStreams(SUITE.version)
    ? { mine: SUITE, other: SECOND }
    : supportsStreams(SECOND.version)
    ? { mine: SECOND, other: SUITE }
    : undefined);
const noStreams = noSecond ??
  (STREAMS ? undefined : "neither broker is RabbitMQ 3.11 or later, which the stream client needs");

/** The stream ports of the broker at `url`, from its management API. */
async function streamPorts(url: string): Promise<number[]> {
  const { listeners } = await brokerOverview(url, { base: derivedManagementUrl(url) });
  return listeners.filter((l) => l.protocol === "stream").map((l) => l.port);
}

twoBrokerTest(
  "stream:send with a broker's AMQP URL alone uses that broker's stream port, and refuses the other broker's",
  async () => {
    const { mine, other } = STREAMS!;
    const stream = uniqueName("hello-nodejs-stream");
    await using _gone = atExit(() =>
      withChannel((channel) => channel.deleteQueue(stream), mine.url)
    );
    const sent = await runTask("stream:send", ["--stream", stream], aloneWith(mine.url));
    assertExit(sent, 0, `deno task stream:send (AMQP_URL=${mine.url})`);
    assert.equal(sent.stdout.at(-1), "done!");
    // The stream is on that broker, not on the other.
    await withChannel((channel) => channel.checkQueue(stream), mine.url);
    await assert.rejects(
      withChannel((channel) => channel.checkQueue(stream), other.url),
      (error) => (error as { code?: number }).code === 404,
    );

    const [myPort] = await streamPorts(mine.url);
    const [otherPort] = await streamPorts(other.url);
    if (otherPort === undefined) return; // the other broker has no stream listener to mix up
    const refused = await runTask(
      "stream:send",
      ["--stream", stream, "--stream-port", String(otherPort)],
      aloneWith(mine.url),
    );
    assertExit(refused, 1);
    assert.deepEqual(refused.stderr, [
      `The broker at "amqp://guest:***@${urlParts(mine.url).host}:${
        urlParts(mine.url).port
      }" (RabbitMQ ${mine.version}) listens for streams on port ${myPort}, not ${otherPort}, where something else answers (another broker?); pass --stream-port ${myPort} (or set RABBITMQ_STREAM_PORT=${myPort}), or leave both out to use the broker's own`,
    ]);
  },
  noStreams,
);
