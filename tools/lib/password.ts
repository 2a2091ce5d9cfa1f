/**
 * Reading a password without showing it: from an environment variable, typed
 * at a terminal without echo, or as the first line of piped standard input.
 *
 * @module
 */

/**
 * Reads a password: the environment variable `envName` if set; else, at a
 * terminal, typed without echo after `prompt` (Ctrl+C interrupts the
 * program, as at any other time); else the first line of stdin.
 *
 * @example
 * ```ts
 * const password = await readPassword("SETUP_PASSWORD", 'Password for "learner": ');
 * ```
 */
export async function readPassword(envName: string, prompt: string): Promise<string> {
  const fromEnv = Deno.env.get(envName);
  if (fromEnv) return fromEnv;
  if (!Deno.stdin.isTerminal()) {
    const text = await new Response(Deno.stdin.readable).text();
    return text.split(/\r?\n/)[0];
  }
  const encoder = new TextEncoder();
  Deno.stderr.writeSync(encoder.encode(prompt));
  Deno.stdin.setRaw(true);
  let password = "";
  let interrupted = false;
  try {
    const buffer = new Uint8Array(1);
    while ((await Deno.stdin.read(buffer)) === 1) {
      const char = buffer[0];
      if (char === 3) { // Ctrl+C
        interrupted = true;
        break;
      }
      if (char === 13 || char === 10) break; // Enter
      if (char === 127 || char === 8) password = password.slice(0, -1); // Backspace
      else password += String.fromCharCode(char);
    }
  } finally {
    Deno.stdin.setRaw(false);
    Deno.stderr.writeSync(encoder.encode("\n"));
  }
  if (interrupted) {
    // In raw mode the terminal hands Ctrl+C over as a byte instead of sending SIGINT: send it
    // now, with the terminal back as it was, so that Ctrl+C does what it does anywhere else
    // (without a handler of the program's: the program ends, as killed by SIGINT).
    Deno.kill(Deno.pid, "SIGINT");
    return await new Promise<never>(() => {}); // no password: the program is ending
  }
  return password;
}
