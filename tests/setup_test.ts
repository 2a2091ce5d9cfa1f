import assert from "node:assert/strict";
import { managementRequest } from "../lib/management.ts";
import { ENV, runTask, uniqueName, URL } from "./_helpers.ts";

/** The test broker's URL with another user, password and vhost. */
function urlFor(user: string, password: string, vhost: string) {
  const url = new globalThis.URL(URL);
  url.username = user;
  url.password = password;
  url.pathname = `/${encodeURIComponent(vhost)}`;
  return url.href;
}

/** Whether the management API has `path` (asked as guest, or as `as`). */
function exists(path: string, as?: { user: string; password: string }): Promise<boolean> {
  return managementRequest(URL, path, as).then(() => true, () => false);
}

async function removeUserAndVhost(user: string, vhost: string) {
  await managementRequest(URL, `/api/users/${user}`, { method: "DELETE" }).catch(() => {});
  await managementRequest(URL, `/api/vhosts/${vhost}`, { method: "DELETE" }).catch(() => {});
}

const setup = (args: string[], options: { password?: string; stdin?: string } = {}) =>
  runTask("setup", args, {
    env: { ...ENV, ...(options.password ? { SETUP_PASSWORD: options.password } : {}) },
    withoutEnv: ["SETUP_PASSWORD"],
    stdin: options.stdin,
  });

Deno.test("setup.ts creates a vhost and a user confined to it, idempotently, never printing the password", async () => {
  const vhost = uniqueName("vhost");
  const user = uniqueName("user");
  const password = `pw-${crypto.randomUUID()}`;
  try {
    const first = await setup(["--vhost", vhost, "--user", user], { password });
    assert.equal(first.code, 0, first.stderr.join("\n"));
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
    assert.equal(inside.code, 0, inside.stderr.join("\n"));
    // ... and is refused, with the vhost sentence, in another one.
    const outside = await runTask("send", ["--url", urlFor(user, password, "/"), "--queue", "q"]);
    assert.equal(outside.code, 1);
    assert.match(
      outside.stderr[0],
      new RegExp(
        `refused access to vhost "/": it does not exist or user "${user}" has no permissions on it`,
      ),
    );

    // Run again with the same password: nothing changes.
    const again = await setup(["--vhost", vhost, "--user", user], { password });
    assert.equal(again.code, 0, again.stderr.join("\n"));
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
    assert.equal(second.code, 0, second.stderr.join("\n"));
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
    assert.equal(withNew.code, 0, withNew.stderr.join("\n"));
    const withOld = await runTask("send", ["--url", urlFor(user, password, vhost), "--queue", "q"]);
    assert.equal(withOld.code, 1, "the old password no longer logs in");
    assert.match(withOld.stderr[0], /refused the login/);

    for (const output of [first, again, second, inside, outside, withNew, withOld]) {
      assert.ok(
        ![...output.stdout, ...output.stderr].some((line) =>
          line.includes(password) || line.includes(newPassword)
        ),
        "no output contains the password",
      );
    }
  } finally {
    await removeUserAndVhost(user, vhost);
  }
});

Deno.test("setup.ts reads the password from standard input when it is not a terminal", async () => {
  const vhost = uniqueName("vhost");
  const user = uniqueName("user");
  const password = `piped-${crypto.randomUUID()}`;
  try {
    const result = await setup(["--vhost", vhost, "--user", user], { stdin: `${password}\n` });
    assert.equal(result.code, 0, result.stderr.join("\n"));
    assert.ok(!result.stdout.join("\n").includes(password));
    const sent = await runTask("send", ["--url", urlFor(user, password, vhost), "--queue", "q"]);
    assert.equal(sent.code, 0, sent.stderr.join("\n"));
  } finally {
    await removeUserAndVhost(user, vhost);
  }
});

Deno.test("setup.ts refuses a password shorter than 8 characters", async () => {
  const vhost = uniqueName("vhost");
  const user = uniqueName("user");
  try {
    const result = await setup(["--vhost", vhost, "--user", user], { password: "short" });
    assert.equal(result.code, 2);
    assert.deepEqual(result.stderr, [
      "The password must have at least 8 characters; set SETUP_PASSWORD or type a longer one",
    ]);
    assert.equal(await exists(`/api/vhosts/${vhost}`), false, "nothing was created");
    assert.equal(await exists(`/api/users/${user}`), false, "nothing was created");
  } finally {
    await removeUserAndVhost(user, vhost);
  }
});

Deno.test("setup.ts --remove-guest deletes guest only once another administrator exists", async () => {
  const vhost = uniqueName("vhost");
  const user = uniqueName("user");
  const admin = uniqueName("admin");
  const adminPassword = `admin-${crypto.randomUUID()}`;
  const asAdmin = { user: admin, password: adminPassword };
  const guest = await managementRequest(URL, "/api/users/guest") as {
    password_hash: string;
    hashing_algorithm: string;
    tags: string | string[];
  };
  const guestPermissions = await managementRequest(URL, "/api/users/guest/permissions") as {
    vhost: string;
    configure: string;
    write: string;
    read: string;
  }[];
  // Another administrator may already exist on a user's broker: then there is nothing to refuse.
  const users = await managementRequest(URL, "/api/users") as {
    name: string;
    tags: string | string[];
  }[];
  const otherAdmins = users.filter((u) =>
    u.name !== "guest" && String(u.tags).includes("administrator")
  );
  try {
    if (otherAdmins.length === 0) {
      const refused = await setup(["--vhost", vhost, "--user", user, "--remove-guest"], {
        password: "long-enough-1",
      });
      assert.equal(refused.code, 1);
      assert.match(
        refused.stderr[0],
        /^Not removing "guest": no other user has the "administrator" tag/,
      );
      await managementRequest(URL, "/api/users/guest");
      assert.equal(await exists(`/api/vhosts/${vhost}`), false, "nothing was created");
    }

    await managementRequest(URL, `/api/users/${admin}`, {
      method: "PUT",
      body: { password: adminPassword, tags: "administrator" },
    });
    const removed = await setup(["--vhost", vhost, "--user", user, "--remove-guest"], {
      password: "long-enough-1",
    });
    assert.equal(removed.code, 0, removed.stderr.join("\n"));
    assert.ok(removed.stdout.includes('User "guest": deleted'));
    await assert.rejects(managementRequest(URL, "/api/users/guest", asAdmin));
  } finally {
    // Put guest back exactly as it was, as the other administrator (if it was created), and
    // check that guest works again before that administrator goes: a failure here must not
    // leave the broker with nobody to manage it.
    const restorer = await exists(`/api/users/${admin}`, asAdmin) ? asAdmin : {};
    await managementRequest(URL, "/api/users/guest", {
      ...restorer,
      method: "PUT",
      body: {
        password_hash: guest.password_hash,
        hashing_algorithm: guest.hashing_algorithm,
        tags: String(guest.tags),
      },
    });
    for (const p of guestPermissions) {
      await managementRequest(URL, `/api/permissions/${encodeURIComponent(p.vhost)}/guest`, {
        ...restorer,
        method: "PUT",
        body: { configure: p.configure, write: p.write, read: p.read },
      });
    }
    await managementRequest(URL, "/api/whoami");
    await managementRequest(URL, `/api/users/${admin}`, { method: "DELETE" }).catch(() => {});
    await removeUserAndVhost(user, vhost);
  }
});
