import assert from "node:assert/strict";
import { managementRequest } from "../lib/management.ts";
import {
  assertExit,
  atExit,
  BROKER_URL,
  ENV,
  runTask,
  test,
  uniqueName,
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
      `refused access to vhost "/": it does not exist or user "${user}" has no permissions on it`,
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
