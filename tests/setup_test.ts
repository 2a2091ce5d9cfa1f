import assert from "node:assert/strict";
import { logsIn } from "../lib/connect.ts";
import { managementRequest } from "../lib/management.ts";
import { studentPermissions } from "../tools/lib/course.ts";
import {
  assertExit,
  atExit,
  BROKER_URL,
  ENV,
  runTask,
  test,
  testRoster,
  testUser,
  uniqueName,
  uniqueStudent,
  urlWith,
} from "./_helpers.ts";

/** The test broker's URL with another user, password and vhost. */
function urlFor(user: string, password: string, vhost: string) {
  return urlWith((url) => {
    url.username = user;
    url.password = password;
    url.pathname = `/${encodeURIComponent(vhost)}`;
  });
}

/** Whether the management API has `path` (asked as guest, or as `as`). */
function exists(path: string, as?: { user: string; password: string }): Promise<boolean> {
  return managementRequest(BROKER_URL, path, as).then(() => true, () => false);
}

/** A user and a vhost name of the test's own; setup.ts creates them, scope exit deletes them. */
function testUserAndVhost() {
  const [user, vhost] = [uniqueName("user"), uniqueName("vhost")];
  return Object.assign(
    atExit(async () => {
      await managementRequest(BROKER_URL, `/api/users/${user}`, { method: "DELETE" })
        .catch(() => {});
      await managementRequest(BROKER_URL, `/api/vhosts/${vhost}`, { method: "DELETE" })
        .catch(() => {});
    }),
    { user, vhost },
  );
}

const setup = (args: string[], options: { password?: string; stdin?: string } = {}) =>
  runTask("setup", args, {
    env: { ...ENV, ...(options.password ? { SETUP_PASSWORD: options.password } : {}) },
    withoutEnv: ["SETUP_PASSWORD"],
    stdin: options.stdin,
  });

test("setup.ts creates a vhost and a user confined to it, idempotently, never printing the password", async () => {
  await using names = testUserAndVhost();
  const { user, vhost } = names;
  const password = `pw-${crypto.randomUUID()}`;
  const first = await setup(["--vhost", vhost, "--user", user], { password });
  assertExit(first, 0);
  assert.ok(first.stdout.includes(`Vhost "${vhost}": created`));
  assert.ok(first.stdout.some((line) => line.startsWith(`User "${user}": created`)));
  assert.ok(
    first.stdout.some((line) => line.startsWith(`Permissions of "${user}" on "${vhost}": set`)),
  );
  assert.ok(
    first.stdout.some((line) => /^AMQP URL: +amqp:\/\/.*:\*\*\*@/.test(line)),
    first.stdout.join("\n"),
  );

  // The new user works in its vhost ...
  const inside = await runTask("send", ["--url", urlFor(user, password, vhost), "--queue", "q"]);
  assertExit(inside, 0);
  // ... and is refused, with the vhost sentence, in another one.
  const outside = await runTask("send", ["--url", urlFor(user, password, "/"), "--queue", "q"]);
  assertExit(outside, 1);
  assert.match(
    outside.stderr[0],
    new RegExp(
      `refused access to vhost "/", the one used when the URL names none: user "${user}" has no permissions on it`,
    ),
  );

  // Run again with the same password: nothing changes.
  const again = await setup(["--vhost", vhost, "--user", user], { password });
  assertExit(again, 0);
  assert.deepEqual(
    again.stdout.filter((line) => /created|set \(|deleted|\bchanged/.test(line)),
    [],
    "a second run with the same password changes nothing",
  );
  assert.ok(
    again.stdout.includes(`User "${user}": already there, password unchanged (the one given)`),
  );

  // Run again with another password: the user's password becomes that one, and it says so.
  const newPassword = `pw-${crypto.randomUUID()}`;
  const second = await setup(["--vhost", vhost, "--user", user], { password: newPassword });
  assertExit(second, 0);
  assert.ok(
    second.stdout.includes(`User "${user}": already there, password changed to the one given`),
    second.stdout.join("\n"),
  );
  const withNew = await runTask("send", [
    "--url",
    urlFor(user, newPassword, vhost),
    "--queue",
    "q",
  ]);
  assertExit(withNew, 0);
  const withOld = await runTask("send", ["--url", urlFor(user, password, vhost), "--queue", "q"]);
  assertExit(withOld, 1, "send with the old password, which no longer logs in,");
  assert.match(withOld.stderr[0], /refused the login/);

  for (const output of [first, again, second, inside, outside, withNew, withOld]) {
    assert.ok(
      ![...output.stdout, ...output.stderr].some((line) =>
        line.includes(password) || line.includes(newPassword)
      ),
      "no output contains the password",
    );
  }
});

test("setup.ts reads the password from standard input when it is not a terminal", async () => {
  await using names = testUserAndVhost();
  const { user, vhost } = names;
  const password = `piped-${crypto.randomUUID()}`;
  const result = await setup(["--vhost", vhost, "--user", user], { stdin: `${password}\n` });
  assertExit(result, 0);
  assert.ok(!result.stdout.join("\n").includes(password));
  const sent = await runTask("send", ["--url", urlFor(user, password, vhost), "--queue", "q"]);
  assertExit(sent, 0);
});

test("setup.ts refuses a password shorter than 8 characters", async () => {
  await using names = testUserAndVhost();
  const { user, vhost } = names;
  const result = await setup(["--vhost", vhost, "--user", user], { password: "short" });
  assertExit(result, 2);
  assert.deepEqual(result.stderr, [
    "The password must have at least 8 characters; set SETUP_PASSWORD or type a longer one",
  ]);
  assert.equal(await exists(`/api/vhosts/${vhost}`), false, "nothing was created");
  assert.equal(await exists(`/api/users/${user}`), false, "nothing was created");
});

test("setup.ts as a user with the management tag alone: refused in one sentence naming the administrator tag, nothing created", async () => {
  await using names = testUserAndVhost();
  await using manager = await testUser("management");
  const refused = await setup(
    ["--url", manager.url, "--vhost", names.vhost, "--user", names.user],
    {
      password: "long-enough-1",
    },
  );
  assertExit(refused, 1);
  assert.match(
    refused.stderr.join("\n"),
    new RegExp(
      `^The management API at "http://[^"]+" refused user "${manager.name}": the user lacks the "administrator" tag, which this call needs$`,
    ),
  );
  assert.equal(await exists(`/api/vhosts/${names.vhost}`), false, "nothing was created");
  assert.equal(await exists(`/api/users/${names.user}`), false);
});

test("setup.ts --remove-guest deletes guest only once another administrator exists", async () => {
  await using names = testUserAndVhost();
  const { user, vhost } = names;
  const admin = uniqueName("admin");
  const adminPassword = `admin-${crypto.randomUUID()}`;
  const asAdmin = { user: admin, password: adminPassword };
  const guest = await managementRequest(BROKER_URL, "/api/users/guest") as {
    password_hash: string;
    hashing_algorithm: string;
    tags: string | string[];
  };
  const guestPermissions = await managementRequest(BROKER_URL, "/api/users/guest/permissions") as {
    vhost: string;
    configure: string;
    write: string;
    read: string;
  }[];
  // Put guest back exactly as it was, as the other administrator (if it was created), and check
  // that guest works again before that administrator goes: a failure here must not leave the
  // broker with nobody to manage it.
  await using _guestBack = atExit(async () => {
    const restorer = await exists(`/api/users/${admin}`, asAdmin) ? asAdmin : {};
    await managementRequest(BROKER_URL, "/api/users/guest", {
      ...restorer,
      method: "PUT",
      body: {
        password_hash: guest.password_hash,
        hashing_algorithm: guest.hashing_algorithm,
        tags: String(guest.tags),
      },
    });
    for (const p of guestPermissions) {
      await managementRequest(BROKER_URL, `/api/permissions/${encodeURIComponent(p.vhost)}/guest`, {
        ...restorer,
        method: "PUT",
        body: { configure: p.configure, write: p.write, read: p.read },
      });
    }
    await managementRequest(BROKER_URL, "/api/whoami");
    await managementRequest(BROKER_URL, `/api/users/${admin}`, { method: "DELETE" })
      .catch(() => {});
  });
  // Another administrator may already exist on a user's broker: then there is nothing to refuse.
  const users = await managementRequest(BROKER_URL, "/api/users") as {
    name: string;
    tags: string | string[];
  }[];
  const otherAdmins = users.filter((u) =>
    u.name !== "guest" && String(u.tags).includes("administrator")
  );
  if (otherAdmins.length === 0) {
    const refused = await setup(["--vhost", vhost, "--user", user, "--remove-guest"], {
      password: "long-enough-1",
    });
    assertExit(refused, 1);
    assert.match(
      refused.stderr[0],
      /^Not removing "guest": no other user has the "administrator" tag/,
    );
    await managementRequest(BROKER_URL, "/api/users/guest");
    assert.equal(await exists(`/api/vhosts/${vhost}`), false, "nothing was created");
  }

  await managementRequest(BROKER_URL, `/api/users/${admin}`, {
    method: "PUT",
    body: { password: adminPassword, tags: "administrator" },
  });
  const removed = await setup(["--vhost", vhost, "--user", user, "--remove-guest"], {
    password: "long-enough-1",
  });
  assertExit(removed, 0);
  assert.ok(removed.stdout.includes('User "guest": deleted'));
  await assert.rejects(managementRequest(BROKER_URL, "/api/users/guest", asAdmin));
});

/** The students' URLs that a roster run printed, by user name. */
function printedUrls(stdout: string[]): Map<string, string> {
  return new Map(
    stdout.filter((line) => line.startsWith("AMQP_URL=")).map((line) => {
      const url = line.slice("AMQP_URL=".length);
      return [decodeURIComponent(new URL(url).username), url];
    }),
  );
}

test("setup --roster makes a user per student on one vhost with the management tag and their own permissions, prints each .env once, and a second run changes nothing", async () => {
  const [a, b] = [uniqueStudent(), uniqueStudent()];
  const [group, surname] = a.name.split("_");
  await using roster = await testRoster([
    "group,surname,first name",
    `${group.toUpperCase()},${surname[0].toUpperCase()}${surname.slice(1)},Anna`,
    `# a comment`,
    b.name,
    `${group};${surname}`, // twice: once is enough
  ]);
  roster.users.add(a.name).add(b.name);
  const first = await setup(["--roster", roster.path, "--vhost", roster.vhost]);
  assertExit(first, 0);
  assert.deepEqual(first.stdout.slice(1, 5), [
    `Vhost "${roster.vhost}": created`,
    `Student "${a.name}": user created, tag "management", permissions for their own names on "${roster.vhost}"`,
    `Student "${b.name}": user created, tag "management", permissions for their own names on "${roster.vhost}"`,
    `2 students on vhost "${roster.vhost}": 2 created, 0 changed, 0 unchanged`,
  ]);
  // Each student's .env lines, once: the URL with the password, the name.
  const urls = printedUrls(first.stdout);
  assert.deepEqual([...urls.keys()], [a.name, b.name]);
  for (const [student, url] of urls) {
    const at = first.stdout.indexOf(`AMQP_URL=${url}`);
    const [g, s] = student.split("_");
    assert.deepEqual(first.stdout.slice(at - 1, at + 3), [
      `# ${student}: their .env (the password is shown this once)`,
      `AMQP_URL=${url}`,
      `LAB_GROUP=${g}`,
      `LAB_SURNAME=${s}`,
    ]);
    assert.equal(new URL(url).pathname, `/${encodeURIComponent(roster.vhost)}`);
    assert.match(decodeURIComponent(new URL(url).password), /^[A-Za-z0-9]{24}$/);
    assert.ok(await logsIn(url), `${student} logs in with the printed URL`);
    const user = await managementRequest(BROKER_URL, `/api/users/${student}`) as {
      tags: string | string[];
    };
    assert.deepEqual([user.tags].flat().join(","), "management");
    const permissions = await managementRequest(
      BROKER_URL,
      `/api/permissions/${encodeURIComponent(roster.vhost)}/${student}`,
    ) as Record<string, string>;
    const { configure, write, read } = permissions;
    assert.deepEqual({ configure, write, read }, studentPermissions(student));
  }

  const again = await setup(["--roster", roster.path, "--vhost", roster.vhost]);
  assertExit(again, 0);
  assert.deepEqual(again.stdout.slice(1), [
    `Vhost "${roster.vhost}": already there`,
    `Student "${a.name}": already there, nothing changed`,
    `Student "${b.name}": already there, nothing changed`,
    `2 students on vhost "${roster.vhost}": 0 created, 0 changed, 2 unchanged`,
    "No new passwords: the students' .env lines were printed when their users were created (--new-passwords makes new ones)",
  ]);
  for (const url of urls.values()) assert.ok(await logsIn(url), "the passwords still work");
});

test("setup --roster puts back a student's tag and permissions, keeping the password, and --new-passwords replaces it, saying what changed", async () => {
  const student = uniqueStudent();
  await using roster = await testRoster([student.name]);
  roster.users.add(student.name);
  const first = await setup(["--roster", roster.path, "--vhost", roster.vhost]);
  assertExit(first, 0);
  const url = printedUrls(first.stdout).get(student.name)!;
  // Someone took the tag away and opened the permissions wide.
  const user = await managementRequest(BROKER_URL, `/api/users/${student.name}`) as {
    password_hash: string;
    hashing_algorithm: string;
  };
  await managementRequest(BROKER_URL, `/api/users/${student.name}`, {
    method: "PUT",
    body: {
      password_hash: user.password_hash,
      hashing_algorithm: user.hashing_algorithm,
      tags: "",
    },
  });
  await managementRequest(
    BROKER_URL,
    `/api/permissions/${encodeURIComponent(roster.vhost)}/${student.name}`,
    { method: "PUT", body: { configure: ".*", write: ".*", read: ".*" } },
  );
  const fixed = await setup(["--roster", roster.path, "--vhost", roster.vhost]);
  assertExit(fixed, 0);
  assert.ok(
    fixed.stdout.includes(
      `Student "${student.name}": already there; tag "management" added, permissions set`,
    ),
    fixed.stdout.join("\n"),
  );
  assert.deepEqual(printedUrls(fixed.stdout).size, 0, "no password printed");
  assert.ok(await logsIn(url), "the password is the same");

  const renewed = await setup([
    "--roster",
    roster.path,
    "--vhost",
    roster.vhost,
    "--new-passwords",
  ]);
  assertExit(renewed, 0);
  assert.ok(
    renewed.stdout.includes(`Student "${student.name}": already there; new password`),
    renewed.stdout.join("\n"),
  );
  const newUrl = printedUrls(renewed.stdout).get(student.name)!;
  assert.notEqual(newUrl, url);
  assert.ok(await logsIn(newUrl));
  assert.equal(await logsIn(url), false, "the old password no longer logs in");
});

test("setup --roster refuses a bad line with its file and line number, and creates nothing", async () => {
  const student = uniqueStudent();
  const [group] = student.name.split("_");
  await using roster = await testRoster([student.name, `${group},iv\u0430nova`]);
  roster.users.add(student.name);
  const result = await setup(["--roster", roster.path, "--vhost", roster.vhost]);
  assertExit(result, 2);
  assert.deepEqual(result.stderr, [
    `Invalid surname "iv\u0430nova" (from ${roster.path} line 2): character 3, "\u0430" (U+0430), is a Cyrillic letter among Latin ones, though it looks like the Latin "a"; type it again with the keyboard in the Latin (English) layout`,
  ]);
  assert.equal(await exists(`/api/vhosts/${roster.vhost}`), false, "nothing was created");
  assert.equal(await exists(`/api/users/${student.name}`), false, "nothing was created");

  const missing = await setup(["--roster", `${roster.path}.missing`]);
  assertExit(missing, 2);
  assert.match(missing.stderr[0], /^Cannot read the roster ".*\.missing": /);
  const mixed = await setup(["--roster", roster.path, "--user", "x"]);
  assertExit(mixed, 2);
  assert.deepEqual(mixed.stderr, [
    "--roster makes a user per student: give it without --user and --remove-guest",
  ]);
});
