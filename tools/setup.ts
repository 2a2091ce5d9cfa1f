/**
 * Least privilege, through the management HTTP API, as an administrator:
 *
 * - one user: creates a vhost and a user whose permissions are limited to
 *   that vhost, and prints the AMQP URL to use instead of guest. The
 *   password is given (SETUP_PASSWORD, or typed); an existing user's becomes
 *   the one given (and it says so). With --remove-guest it also deletes the
 *   "guest" user, once another administrator exists.
 * - a course (--roster FILE): on one vhost (default lab5), a user per student
 *   of the roster, named <group>_<surname> as their lab queues, with a
 *   generated password, the "management" tag (the management UI and
 *   `deno task monitor` for their vhost) and permissions for their own
 *   names, the walk-through's and server-named queues only; it prints each
 *   new student's .env lines (with the password) once.
 *
 * Safe to run again: what exists and is right is left as it is, and it says
 * what it changed.
 *
 * Run:   deno task setup --vhost shop --user orders     (password: SETUP_PASSWORD, or typed)
 *        deno task setup --roster students.csv          (a course: see docs/lab5.md)
 * Needs: --allow-net, --allow-env (AMQP_URL, SETUP_PASSWORD, RABBITMQ_MANAGEMENT_URL),
 *        --allow-read (the roster)
 */
import { cli } from "../lib/cli.ts";
import { logsIn } from "../lib/connect.ts";
import { ProgramError } from "../lib/program_error.ts";
import { checkedManagementUrl, managementRequest } from "../lib/management.ts";
import { maskUrl, urlParts } from "../lib/url.ts";
import {
  ALL_PERMISSIONS,
  type ApiUser,
  newPassword,
  parseRoster,
  type Permissions,
  samePermissions,
  studentPermissions,
  tagsOf,
} from "./lib/course.ts";
import { readPassword } from "./lib/password.ts";

const { url, values } = cli("setup", {
  summary:
    "Create a vhost and a user limited to it (management API); the password comes from SETUP_PASSWORD or is typed, and an existing user's password becomes the one given. With --roster: a course's students",
  options: {
    vhost: { description: 'vhost to create, "tutorials" unless given ("lab5" with --roster)' },
    user: {
      description:
        'user to create, "learner" unless given; if it exists, its password becomes the one given',
    },
    "remove-guest": { type: "boolean", description: 'delete the "guest" user afterwards' },
    roster: {
      description:
        'a course: a file with one student a line, "group,surname" or "group_surname" (CSV works)',
    },
    host: {
      description:
        "with --roster: the broker's HOST[:PORT] in the students' URLs (default: those of --url)",
    },
    "new-passwords": {
      type: "boolean",
      description:
        "with --roster: new passwords for the roster's students who exist already (their old ones stop working)",
    },
  },
});

const api = (path: string, request?: Parameters<typeof managementRequest>[2]) =>
  managementRequest(url, path, request);
const exists = (path: string) => managementRequest(url, path).then(() => true, () => false);
const userOf = (user: string) =>
  managementRequest(url, `/api/users/${encodeURIComponent(user)}`).catch(() =>
    undefined
  ) as Promise<ApiUser | undefined>;
const path = (...names: string[]) => names.map(encodeURIComponent).join("/");

/** Creates the vhost unless it exists; says which. */
async function ensureVhost(vhost: string): Promise<void> {
  if (await exists(`/api/vhosts/${path(vhost)}`)) {
    console.log(`Vhost "${vhost}": already there`);
  } else {
    await api(`/api/vhosts/${path(vhost)}`, { method: "PUT" });
    console.log(`Vhost "${vhost}": created`);
  }
}

/** Sets the user's permissions on the vhost unless they are these already; true if it set them. */
async function ensurePermissions(
  vhost: string,
  user: string,
  permissions: Permissions,
): Promise<boolean> {
  const current = await managementRequest(url, `/api/permissions/${path(vhost, user)}`)
    .catch(() => undefined) as Permissions | undefined;
  if (samePermissions(current, permissions)) return false;
  await api(`/api/permissions/${path(vhost, user)}`, { method: "PUT", body: permissions });
  return true;
}

/** The URL a user of `vhost` connects with: this broker, the user's vhost. */
function urlOf(user: string, password: string, vhost: string): URL {
  const userUrl = new URL(url);
  userUrl.username = encodeURIComponent(user);
  userUrl.password = encodeURIComponent(password);
  userUrl.pathname = `/${encodeURIComponent(vhost)}`;
  return userUrl;
}

/** One user, its vhost and its permissions there, with a password given (the tutorials'). */
async function setupUser(): Promise<void> {
  if (values.host || values["new-passwords"]) {
    throw new ProgramError("--host and --new-passwords go with --roster", "usage");
  }
  const VHOST = values.vhost ?? "tutorials";
  const USER = values.user ?? "learner";
  // Everything is checked before anything changes: a refusal leaves the broker as it was.
  const existing = await userOf(USER);
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
  const users = values["remove-guest"] ? await api("/api/users") as ApiUser[] : [];
  if (
    values["remove-guest"] &&
    !users.some((u) => u.name !== "guest" && tagsOf(u).includes("administrator"))
  ) {
    throw new ProgramError(
      'Not removing "guest": no other user has the "administrator" tag, so nobody could manage the broker afterwards; create one first (rabbitmqctl add_user, set_user_tags NAME administrator)',
    );
  }

  await ensureVhost(VHOST);

  const userUrl = urlOf(USER, password, VHOST);
  if (existing && await logsIn(userUrl.href)) {
    console.log(`User "${USER}": already there, password unchanged (the one given)`);
  } else if (existing) {
    // The same tags as before: only the password changes.
    const tags = tagsOf(existing).join(",");
    await api(`/api/users/${path(USER)}`, { method: "PUT", body: { password, tags } });
    console.log(`User "${USER}": already there, password changed to the one given`);
  } else {
    await api(`/api/users/${path(USER)}`, { method: "PUT", body: { password, tags: "" } });
    console.log(`User "${USER}": created, no tags (cannot use the management UI)`);
  }

  if (await ensurePermissions(VHOST, USER, ALL_PERMISSIONS)) {
    console.log(
      `Permissions of "${USER}" on "${VHOST}": set (configure, write, read: .*), no other vhost`,
    );
  } else {
    console.log(`Permissions of "${USER}" on "${VHOST}": already there`);
  }

  if (values["remove-guest"]) {
    if (users.some((u) => u.name === "guest")) {
      await api("/api/users/guest", { method: "DELETE" });
      console.log('User "guest": deleted');
    } else {
      console.log('User "guest": already gone');
    }
  }
  console.log(`AMQP URL:       ${maskUrl(userUrl.href)}`);
}

/** The tag that lets a student use the management UI and API for their own vhost only. */
const STUDENT_TAG = "management";

/** A course: a user per student of the roster, on one vhost; each new one's .env lines once. */
async function setupCourse(roster: string): Promise<void> {
  if (values.user || values["remove-guest"]) {
    throw new ProgramError(
      "--roster makes a user per student: give it without --user and --remove-guest",
      "usage",
    );
  }
  const VHOST = values.vhost ?? "lab5";
  let text;
  try {
    text = await Deno.readTextFile(roster);
  } catch (error) {
    throw new ProgramError(
      `Cannot read the roster "${roster}": ${(error as Error).message.split(" (os error")[0]}`,
      "usage",
    );
  }
  // Checked before anything changes: a bad line leaves the broker as it was.
  const students = parseRoster(text, roster);

  await ensureVhost(VHOST);
  // The teacher: full permissions on the course's vhost, to run the lab's programs and lab:reset.
  const teacher = urlParts(url).user;
  if (await ensurePermissions(VHOST, teacher, ALL_PERMISSIONS)) {
    console.log(
      `Permissions of "${teacher}" (you) on "${VHOST}": set (configure, write, read: .*)`,
    );
  }

  const envLines: string[] = [];
  const counts = { created: 0, changed: 0, unchanged: 0 };
  for (const student of students) {
    const existing = await userOf(student);
    const changes: string[] = [];
    const tags = existing ? tagsOf(existing) : [];
    const wantedTags = tags.includes(STUDENT_TAG) ? tags : [...tags, STUDENT_TAG];
    let password: string | undefined;
    if (!existing || values["new-passwords"]) {
      password = newPassword();
      await api(`/api/users/${path(student)}`, {
        method: "PUT",
        body: { password, tags: wantedTags.join(",") },
      });
      if (existing) changes.push("new password");
    } else if (wantedTags.length !== tags.length) {
      // Tags alone: the same password hash, or the user could no longer log in.
      const { password_hash, hashing_algorithm } = existing;
      await api(`/api/users/${path(student)}`, {
        method: "PUT",
        body: { password_hash, hashing_algorithm, tags: wantedTags.join(",") },
      });
    }
    if (existing && wantedTags.length !== tags.length) changes.push(`tag "${STUDENT_TAG}" added`);
    if (await ensurePermissions(VHOST, student, studentPermissions(student)) && existing) {
      changes.push("permissions set");
    }

    if (!existing) {
      counts.created++;
      console.log(
        `Student "${student}": user created, tag "${STUDENT_TAG}", permissions for their own names on "${VHOST}"`,
      );
    } else if (changes.length > 0) {
      counts.changed++;
      console.log(`Student "${student}": already there; ${changes.join(", ")}`);
    } else {
      counts.unchanged++;
      console.log(`Student "${student}": already there, nothing changed`);
    }
    if (password) {
      const [group, surname] = student.split("_");
      // As the students reach the broker: --host if given, and none of the teacher's TLS files.
      const studentUrl = urlOf(student, password, VHOST);
      if (values.host) studentUrl.host = values.host;
      studentUrl.search = "";
      envLines.push(
        "",
        `# ${student}: their .env (the password is shown this once)`,
        `AMQP_URL=${studentUrl.href}`,
        `LAB_GROUP=${group}`,
        `LAB_SURNAME=${surname}`,
      );
    }
  }

  console.log(
    `${students.length} student${
      students.length === 1 ? "" : "s"
    } on vhost "${VHOST}": ${counts.created} created, ${counts.changed} changed, ${counts.unchanged} unchanged`,
  );
  if (envLines.length > 0) {
    console.log(
      "Each new password is below, this once: hand each student their lines; a lost one: run again with --new-passwords and a roster of that student",
    );
    for (const line of envLines) console.log(line);
  } else {
    console.log(
      "No new passwords: the students' .env lines were printed when their users were created (--new-passwords makes new ones)",
    );
  }
}

// Checked to be the one of the broker at the URL before anything is read or created.
console.log(`Management API: ${await checkedManagementUrl(url)}`);
if (values.roster !== undefined) await setupCourse(values.roster);
else await setupUser();
