/**
 * Unit tests of the wording of a refused vhost and a refused queue or
 * exchange (lib/errors.ts), without a broker: the vhost "/" is never
 * advised to be created, and a program that passes its own fixes (the
 * lab's: "ask your teacher") gets those instead of an administrator's
 * rabbitmqctl commands. The broker's texts are those of RabbitMQ 3.10.8 and
 * 4.3.6 (4.x names the permission, 3.x does not).
 */
import assert from "node:assert/strict";
import { describeError } from "../../lib/errors.ts";

const refusedVhost = new Error("Expected ConnectionOpenOk; got <ConnectionClose channel:0>");
const refused = (text: string) =>
  Object.assign(
    new Error(`Operation failed: QueueDeclare; 403 (ACCESS-REFUSED) with message "${text}"`),
    { code: 403 },
  );
const REFUSED_310 = refused(
  "ACCESS_REFUSED - access to queue 'inbo-04_petrov' in vhost 'lab5' refused for user 'inbo-04_ivanova'",
);
const REFUSED_43 = refused(
  "ACCESS_REFUSED - configure access to queue 'inbo-04_petrov' in vhost 'lab5' refused for user 'inbo-04_ivanova'",
);
const STUDENT = "amqp://inbo-04_ivanova:secret@rabbit.example.org/lab5";

Deno.test("the vhost '/' is not advised to be created: the user has no permissions there, or the URL lacks its vhost", () => {
  assert.equal(
    describeError(refusedVhost, "amqp://bob:secret@rabbit.example.org"),
    `The broker at "amqp://bob:***@rabbit.example.org" refused access to vhost "/", the one used when the URL names none: user "bob" has no permissions on it (give them with "rabbitmqctl set_permissions -p / bob '.*' '.*' '.*'"), or the URL lacks the vhost you meant (amqp://host/VHOST)`,
  );
});

Deno.test("a program's vhostFix replaces the administrator's commands, for a named vhost and for '/'", () => {
  const vhostFix = "check the vhost in your URL, or ask your teacher";
  assert.equal(
    describeError(refusedVhost, "amqp://inbo-04_ivanova:secret@rabbit.example.org/lab-5", {
      vhostFix,
    }),
    `The broker at "amqp://inbo-04_ivanova:***@rabbit.example.org/lab-5" refused access to vhost "lab-5": it does not exist or user "inbo-04_ivanova" has no permissions on it; check the vhost in your URL, or ask your teacher`,
  );
  const slash = describeError(refusedVhost, "amqp://inbo-04_ivanova:secret@rabbit.example.org", {
    vhostFix,
  });
  assert.match(slash, /refused access to vhost "\/", the one used when the URL names none: /);
  assert.doesNotMatch(slash, /rabbitmqctl/);
  assert.ok(slash.endsWith(`; ${vhostFix}`), slash);
});

Deno.test("a program's accessFix words a refused queue as one sentence, on 3.x and 4.x alike", () => {
  const accessFix = "use your own names";
  assert.equal(
    describeError(REFUSED_310, STUDENT, { accessFix }),
    `The broker at "amqp://inbo-04_ivanova:***@rabbit.example.org/lab5" refused user "inbo-04_ivanova" access to the queue "inbo-04_petrov" in vhost "lab5"; use your own names`,
  );
  assert.equal(
    describeError(REFUSED_43, STUDENT, { accessFix }),
    `The broker at "amqp://inbo-04_ivanova:***@rabbit.example.org/lab5" refused user "inbo-04_ivanova" configure access to the queue "inbo-04_petrov" in vhost "lab5"; use your own names`,
  );
  // Without one, the broker's own words, as before.
  assert.match(describeError(REFUSED_43, STUDENT), /refused access for user "inbo-04_ivanova": /);
});
