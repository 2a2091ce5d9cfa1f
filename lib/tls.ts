/**
 * TLS, in one place: the `--ca`, `--cert` and `--key` flags (or `AMQP_CA`,
 * `AMQP_CERT`, `AMQP_KEY`) become the AMQP URL's `cacertfile`, `certfile`
 * and `keyfile` parameters (RabbitMQ's URI spec), and those parameters
 * become the certificate files amqplib's socket needs.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { credentials, type SocketOptions } from "amqplib";
import { ProgramError } from "./program_error.ts";

/** The TLS flags and the URL query parameters they set. */
export const TLS_PARAMETERS = {
  ca: "cacertfile",
  cert: "certfile",
  key: "keyfile",
} as const;

/** A TLS flag: `ca`, `cert` or `key`. */
export type TlsOption = keyof typeof TLS_PARAMETERS;

const FILE_NAMES: Record<TlsOption, string> = {
  ca: "CA certificate",
  cert: "client certificate",
  key: "client key",
};

/**
 * The URL with the TLS files given by flag (else by `AMQP_CA`, `AMQP_CERT`,
 * `AMQP_KEY`) added as its query parameters; unchanged when none is given.
 *
 * @example
 * ```ts
 * withTlsFiles("amqps://host", { ca: "ca.pem" }); // "amqps://host?cacertfile=ca.pem"
 * ```
 */
export function withTlsFiles(
  url: string,
  files: Partial<Record<TlsOption, string>>,
  env: (name: string) => string | undefined = (name) => Deno.env.get(name),
): string {
  const parsed = new URL(url);
  for (const [option, parameter] of Object.entries(TLS_PARAMETERS)) {
    const path = files[option as TlsOption] ?? env(`AMQP_${option.toUpperCase()}`);
    if (path) parsed.searchParams.set(parameter, path);
  }
  return parsed.search ? parsed.href : url;
}

/**
 * The socket options amqplib needs for the URL's TLS parameters: the CA,
 * client certificate and key files read, and with `auth_mechanism=external`
 * a login with the certificate's identity. Throws a {@link ProgramError}
 * naming the flag when a file cannot be read.
 *
 * @example
 * ```ts
 * const tls = tlsSocketOptions("amqps://host?cacertfile=ca.pem"); // { ca: <Buffer ...> }
 * ```
 */
export function tlsSocketOptions(url: string): SocketOptions {
  const params = new URL(url).searchParams;
  const socket: SocketOptions = {};
  for (const [option, parameter] of Object.entries(TLS_PARAMETERS)) {
    const path = params.get(parameter);
    if (path) socket[option as TlsOption] = readTlsFile(path, option as TlsOption);
  }
  if (params.get("auth_mechanism")?.toLowerCase() === "external") {
    socket.credentials = credentials.external();
  }
  return socket;
}

function readTlsFile(path: string, option: TlsOption): Buffer {
  try {
    return Buffer.from(Deno.readFileSync(path));
  } catch (error) {
    const reason = error instanceof Deno.errors.NotFound
      ? "no such file"
      : error instanceof Deno.errors.NotCapable
      ? "the program has no read permission (run it through its deno task)"
      : (error as Error).message;
    throw new ProgramError(
      `Cannot read the ${FILE_NAMES[option]} file "${path}" (--${option}): ${reason}`,
    );
  }
}
