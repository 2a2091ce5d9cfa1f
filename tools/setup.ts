/**
 * Least privilege: creates a vhost and a user whose permissions are limited
 * to that vhost, through the management HTTP API, and prints the AMQP URL to
 * use instead of guest. Safe to run again: what exists is left as it is,
 * except the password of an existing user, which becomes the one given
 * (and it says so).
 * With --remove-guest it also deletes the "guest" user, once another
 * administrator exists.
 *
 * Run:   deno task setup --vhost shop --user orders     (password: SETUP_PASSWORD, or typed)
 * Needs: --allow-net, --allow-env (AMQP_URL, SETUP_PASSWORD, RABBITMQ_MANAGEMENT_URL)
 */
import { cli } from "../lib/cli.ts";
import { logsIn } from "../lib/connect.ts";
import { ProgramError } from "../lib/program_error.ts";
import { checkedManagementUrl, managementRequest } from "../lib/management.ts";
import { maskUrl } from "../lib/url.ts";
import { readPassword } from "./lib/password.ts";

const { url, values } = cli("setup", {
  summary:
    "Create a vhost and a user limited to it (management API); the password comes from SETUP_PASSWORD or is typed, and an existing user's password becomes the one given",
  options: {
    vhost: { default: "tutorials", description: "vhost to create" },
    user: {
      default: "learner",
      description: "user to create (if it exists: its password is set to the one given)",
    },
    "remove-guest": { type: "boolean", description: 'delete the "guest" user afterwards' },
  },
});
const VHOST = values.vhost;
const USER = values.user;
const PERMISSIONS = { configure: ".*", write: ".*", read: ".*" }; // everything, in VHOST only

const api = (path: string, request?: Parameters<typeof managementRequest>[2]) =>
  managementRequest(url, path, request);
const vhostPath = encodeURIComponent(VHOST);
const userPath = encodeURIComponent(USER);
const exists = (path: string) => managementRequest(url, path).then(() => true, () => false);

// Checked to be the one of the broker at the URL before anything is read or created.
console.log(`Management API: ${await checkedManagementUrl(url)}`);

// Everything is checked before anything changes: a refusal leaves the broker as it was.
const existing = await managementRequest(url, `/api/users/${userPath}`).catch(() => undefined) as
  | { tags: string | string[] }
  | undefined;
const password = await readPassword(
  "SETUP_PASSWORD",
  existing
    ? `Password for "${USER}" (its new one, or its current one): `
    : `Password for the new user "${USER}": `,
);
if (password.length < 8) {
  throw new ProgramError(
    "The password must have at least 8 characters; set SETUP_PASSWORD or type a longer one",
    "usage",
  );
}
const users = values["remove-guest"]
  ? await api("/api/users") as { name: string; tags: string | string[] }[]
  : [];
const isAdmin = (u: { tags: string | string[] }) =>
  String(u.tags).split(",").includes("administrator");
if (values["remove-guest"] && !users.some((u) => u.name !== "guest" && isAdmin(u))) {
  throw new ProgramError(
    'Not removing "guest": no other user has the "administrator" tag, so nobody could manage the broker afterwards; create one first (rabbitmqctl add_user, set_user_tags NAME administrator)',
  );
}

if (await exists(`/api/vhosts/${vhostPath}`)) {
  console.log(`Vhost "${VHOST}": already there`);
} else {
  await api(`/api/vhosts/${vhostPath}`, { method: "PUT" });
  console.log(`Vhost "${VHOST}": created`);
}

// The user's own URL: this broker, the user's vhost.
const userUrl = new URL(url);
userUrl.username = encodeURIComponent(USER);
userUrl.password = encodeURIComponent(password);
userUrl.pathname = `/${vhostPath}`;
if (existing && await logsIn(userUrl.href)) {
  console.log(`User "${USER}": already there, password unchanged (the one given)`);
} else if (existing) {
  // The same tags as before: only the password changes.
  const tags = [existing.tags].flat().join(",");
  await api(`/api/users/${userPath}`, { method: "PUT", body: { password, tags } });
  console.log(`User "${USER}": already there, password changed to the one given`);
} else {
  await api(`/api/users/${userPath}`, { method: "PUT", body: { password, tags: "" } });
  console.log(`User "${USER}": created, no tags (cannot use the management UI)`);
}

const current = await managementRequest(url, `/api/permissions/${vhostPath}/${userPath}`).catch(
  () => undefined,
) as
  | typeof PERMISSIONS
  | undefined;
const same = current &&
  Object.entries(PERMISSIONS).every(([k, v]) => current[k as keyof typeof PERMISSIONS] === v);
if (same) {
  console.log(`Permissions of "${USER}" on "${VHOST}": already there`);
} else {
  await api(`/api/permissions/${vhostPath}/${userPath}`, { method: "PUT", body: PERMISSIONS });
  console.log(
    `Permissions of "${USER}" on "${VHOST}": set (configure, write, read: .*), no other vhost`,
  );
}

if (values["remove-guest"]) {
  if (users.some((u) => u.name === "guest")) {
    await api("/api/users/guest", { method: "DELETE" });
    console.log('User "guest": deleted');
  } else {
    console.log('User "guest": already gone');
  }
}

userUrl.search = "";
console.log(`AMQP URL:       ${maskUrl(userUrl.href)}`);
