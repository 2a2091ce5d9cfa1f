/**
 * Helpers that lib's modules share, not for programs.
 *
 * @module
 */

/**
 * The running program's name, for the connection names the management UI
 * shows: its path below `scripts/` without `.ts` ("send", "stream/send",
 * "lab/walkthrough_1_send"), else its file name ("bench").
 */
export function programName(): string {
  const path = Deno.mainModule.replace(/\.ts$/, "");
  return path.match(/\/scripts\/(.+)$/)?.[1] ?? path.split("/").pop()!;
}
