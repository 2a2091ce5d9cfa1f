/**
 * Makes sure a RabbitMQ broker runs at the configured URL: if one answers it
 * says so (and, for one older than 4.0, what it lacks and how to get 4.3
 * beside it); otherwise it starts one, the first way that works: Docker
 * Compose, RabbitMQ 4.x from a Debian chroot (as root), the installed
 * rabbitmq-server. `--rabbitmq` picks the way. `status` says which broker
 * answers, its version, how it was started, its ports and data folder;
 * `stop` stops it if this project started it.
 *
 * Run:   deno task broker [start|status|stop] [--rabbitmq 4.3|4.0|installed|compose]
 * Needs: --allow-net, --allow-env, --allow-read, --allow-write (the installed broker's record),
 *        --allow-run (docker, tools/rabbitmq4, rabbitmq-server, rabbitmqctl), --allow-sys=uid
 */
import { brokerVersion } from "../lib/broker_version.ts";
import { cli } from "../lib/cli.ts";
import { managementUi } from "../lib/management.ts";
import { ProgramError } from "../lib/program_error.ts";
import { maskUrl, urlParts } from "../lib/url.ts";
import {
  BROKER_CHOICES,
  type BrokerChoice,
  brokerPorts,
  ensureBroker,
  settingsFor,
} from "./lib/broker.ts";
import { brokerAnswers } from "./lib/broker_answers.ts";
import { brokerControl, stopBroker } from "./lib/broker_control.ts";
import { runCommand } from "./lib/compose.ts";
import { nodeStates } from "./lib/rabbitmq4.ts";

const COMMANDS = ["start", "status", "stop"];
const SPEC = {
  summary:
    "Find a RabbitMQ broker at the configured URL, or start one (Docker Compose, else RabbitMQ 4.x from a Debian chroot as root, else the installed rabbitmq-server); status; stop",
  args: "[start|status|stop]",
  maxArgs: 1,
  options: {
    rabbitmq: {
      description:
        "with start: the one way to take: 4.3 or 4.0 (Debian's, from a chroot), installed, compose",
    },
  },
};
const { url, values, positionals } = cli("broker", SPEC);
const command = positionals[0] ?? "start";
if (!COMMANDS.includes(command)) {
  throw usage(`Unknown command "${command}": expected start, status or stop`);
}
const choice = values.rabbitmq as BrokerChoice | undefined;
if (choice !== undefined && !BROKER_CHOICES.includes(choice)) {
  throw usage(`Invalid --rabbitmq "${choice}": expected 4.3, 4.0, installed or compose`);
}

if (command === "start") await start();
else if (command === "status") await status();
else console.log(await stopBroker(url, console.log));

function usage(message: string): ProgramError {
  return new ProgramError(
    `${message}. Usage: deno task broker [options] ${SPEC.args} (--help for more)`,
    "usage",
  );
}

async function start() {
  const { message, notice, settings } = await ensureBroker(url, { rabbitmq: choice });
  console.log(message);
  if (notice) console.log(notice);
  const { host } = urlParts(url);
  console.log(`Version:       RabbitMQ ${await brokerVersion(url)}`);
  console.log(`AMQP URL:      ${maskUrl(url)}`);
  console.log(
    `Management UI: ${
      settings.length ? `http://${host}:${brokerPorts(url).management}` : await managementUi(url)
    } (user guest, password guest, unless yours differ)`,
  );
  if (settings.length) {
    console.log(
      "Its ports are not the programs' defaults: put these lines in .env (or export them):",
    );
    for (const line of settings) console.log(`  ${line}`);
  }
}

async function status() {
  const others = (await nodeStates()).filter((node) =>
    node.running && node.ports.amqp !== urlParts(url).port
  );
  const also = () => {
    if (others.length === 0) return;
    console.log("Also running, started by this project:");
    for (const node of others) {
      console.log(
        `  ${
          node.node.padEnd(22)
        } RabbitMQ ${node.rabbitmq}, AMQP ${node.ports.amqp}, started by ${node.startedBy}`,
      );
    }
  };
  if (!(await brokerAnswers(url))) {
    console.log(`No broker answers at "${maskUrl(url)}"; "deno task broker" starts one`);
    also();
    Deno.exitCode = 3;
    return;
  }
  const version = await brokerVersion(url).catch(() => "(version unknown: the login was refused)");
  console.log(`Broker:   RabbitMQ ${version} answers at "${maskUrl(url)}"`);
  const control = await brokerControl(url);
  const ports = brokerPorts(url);
  if (control.kind === "node") {
    const { node } = control;
    const installed = node.debian === "installed";
    console.log(
      `How:      ${
        installed
          ? "the installed rabbitmq-server"
          : `the node ${node.node} of tools/rabbitmq4 (Debian ${node.debian})`
      }, started by ${node.startedBy} at ${node.startedAt}, process ${node.pid}`,
    );
    console.log(
      `Ports:    AMQP ${node.ports.amqp}, management ${node.ports.management}, stream ${node.ports.stream}${
        installed ? "" : " (on 127.0.0.1 only)"
      }`,
    );
    console.log(
      `Data:     ${node.data}${
        installed ? "" : ` (its folder ${node.folder}: configuration, data, logs, state.json)`
      }`,
    );
    console.log(
      `Commands: ${node.rabbitmqctl}${
        installed
          ? ""
          : ` (and rabbitmq-plugins, rabbitmq-diagnostics beside it; the machine's own rabbitmqctl cannot reach it: it uses epmd port ${node.ports.epmd})`
      }`,
    );
    console.log(`Stop:     deno task broker stop`);
  } else if (control.kind === "compose") {
    const { project, container } = control;
    const inspect = await runCommand("docker", [
      "inspect",
      "--format",
      '{{.Config.Image}} {{.State.StartedAt}} {{range .Mounts}}{{if eq .Destination "/var/lib/rabbitmq"}}{{.Name}}{{end}}{{end}}',
      container,
    ]);
    const [image, started, volume] = inspect?.stdout.trim().split(" ") ?? [];
    console.log(
      `How:      the compose service "rabbitmq" (${project.compose.command} ${project.compose.version}), container ${
        container.slice(0, 12)
      }, image ${image}, started at ${started}`,
    );
    console.log(
      `Ports:    AMQP ${ports.amqp}, management ${ports.management}, stream ${ports.stream} (on 127.0.0.1 only)`,
    );
    console.log(`Data:     the Docker volume ${volume}`);
    console.log(`Commands: ${project.commandLine(["exec", "rabbitmq", "rabbitmqctl", "..."])}`);
    console.log(`Stop:     deno task broker stop (${project.commandLine(["down"])})`);
  } else if (control.kind === "consent") {
    console.log(
      `How:      not started by this project; RABBITMQCTL names its rabbitmqctl (${control.rabbitmqctl}), so the tests may restart it`,
    );
  } else {
    console.log(
      `How:      ${control.why}; "deno task broker stop" and the tests' restarts leave it alone`,
    );
  }
  const settings = settingsFor(url, ports);
  if (settings.length && control.kind !== "none") {
    console.log(`Settings: ${settings.join(" ")}`);
  }
  also();
}
