#!/usr/bin/env python3
"""An AMQP 1.0 peer that is not rhea: Apache Qpid Proton (Debian's
python3-qpid-proton), for checking the programs of scripts/amqp10 against an
independent client on the same broker. One action per run; it prints one
line per event, in the form the test reads, and exits 0 (1 on a link or
connection error, with the error on stderr).

  proton_peer.py URL send ADDRESS BODY [durable]    prints the outcome: ACCEPTED, RELEASED, REJECTED
  proton_peer.py URL receive ADDRESS COUNT          prints "body|durable|x-routing-key", accepts each
  proton_peer.py URL request QUEUE BODY             Direct Reply-To: prints "reply|correlation-id matches"
  proton_peer.py URL respond QUEUE COUNT            answers COUNT requests with "proton:" + body

URL is an AMQP URL (amqp://user:password@host:port/vhost).
"""
import sys
import uuid
from urllib.parse import unquote, urlparse

from proton import Data, Message, symbol
from proton.handlers import MessagingHandler
from proton.reactor import Container, LinkOption


def connect(container, url):
    parsed = urlparse(url)
    vhost = unquote(parsed.path[1:]) if len(parsed.path) > 1 else "/"
    return container.connect(
        f"amqp://{parsed.hostname}:{parsed.port or 5672}",
        user=unquote(parsed.username or "guest"),
        password=unquote(parsed.password or "guest"),
        allowed_mechs="PLAIN",
        allow_insecure_mechs=True,
        virtual_host=f"vhost:{vhost}",
        reconnect=False,
    )


def text(message):
    body = message.body
    return body.decode() if isinstance(body, (bytes, memoryview)) else str(body)


class Peer(MessagingHandler):
    def __init__(self, url, action, args):
        super().__init__(prefetch=0, auto_accept=False)
        self.url, self.action, self.args = url, action, args
        self.done = 0
        self.failed = False

    def on_start(self, event):
        self.conn = connect(event.container, self.url)
        if self.action == "send":
            self.sender = event.container.create_sender(self.conn, self.args[0])
        elif self.action == "receive":
            self.receiver = event.container.create_receiver(self.conn, self.args[0])
            self.receiver.flow(int(self.args[1]))
        elif self.action == "request":
            self.replies = event.container.create_receiver(
                self.conn, None, dynamic=True, options=VolatileSource()
            )
        elif self.action == "respond":
            self.receiver = event.container.create_receiver(self.conn, f"/queues/{self.args[0]}")
            self.receiver.flow(1)
            self.replier = event.container.create_sender(self.conn, None)  # anonymous terminus

    # --- send: one message, print its outcome
    def on_sendable(self, event):
        if self.action == "send" and not self.done:
            self.done = 1
            body = self.args[1].encode()
            durable = len(self.args) > 2 and self.args[2] == "durable"
            # inferred: binary body as a data section, as AMQP 0-9-1 consumers want it
            event.sender.send(Message(body=body, inferred=True, durable=durable))
        elif self.action == "request" and not self.done and getattr(self, "reply_to", None):
            self.done = 1
            self.request_id = str(uuid.uuid4())
            event.sender.send(
                Message(
                    body=self.args[1].encode(),
                    inferred=True,
                    id=self.request_id,
                    reply_to=self.reply_to,
                )
            )

    def on_accepted(self, event):
        if self.action == "send":
            self.finish("ACCEPTED")

    def on_released(self, event):
        if self.action == "send":
            self.finish("RELEASED")

    def on_rejected(self, event):
        if self.action == "send":
            self.finish("REJECTED")

    # --- request: the dynamic receiver's address is the reply-to of the request
    def on_link_opened(self, event):
        if self.action == "request" and event.receiver and event.receiver.name == self.replies.name:
            self.reply_to = event.receiver.remote_source.address
            self.replies.flow(1)
            self.requests = event.container.create_sender(self.conn, f"/queues/{self.args[0]}")

    def on_message(self, event):
        message = event.message
        if self.action == "receive":
            annotations = message.annotations or {}
            print(f"{text(message)}|{message.durable}|{annotations.get('x-routing-key', '')}")
            sys.stdout.flush()
            self.accept(event.delivery)
            self.done += 1
            if self.done == int(self.args[1]):
                self.finish()
        elif self.action == "request":
            self.finish(f"{text(message)}|{message.correlation_id == self.request_id}")
        elif self.action == "respond":
            reply = Message(
                body=("proton:" + text(message)).encode(),
                inferred=True,
                address=message.reply_to,
                correlation_id=message.correlation_id or message.id,
            )
            self.replier.send(reply)
            self.accept(event.delivery)
            self.done += 1
            print(f"answered {text(message)}")
            sys.stdout.flush()
            if self.done == int(self.args[1]):
                self.finish()
            else:
                self.receiver.flow(1)

    def finish(self, line=None):
        if line is not None:
            print(line)
            sys.stdout.flush()
        self.conn.close()

    def on_link_error(self, event):
        condition = event.link.remote_condition
        print(f"link error: {condition.name}: {condition.description}", file=sys.stderr)
        self.failed = True
        event.connection.close()

    def on_transport_error(self, event):
        condition = event.transport.condition
        if condition:
            print(f"transport error: {condition.name}: {condition.description}", file=sys.stderr)
            self.failed = True


class VolatileSource(LinkOption):
    """Direct Reply-To (RabbitMQ 4.2+): a dynamic source, expiring with the link, with the
    capability rabbitmq:volatile-queue; the broker sends the replies settled."""

    def apply(self, link):
        link.source.dynamic = True
        link.source.expiry_policy = link.source.EXPIRE_WITH_LINK
        link.source.capabilities.put_array(False, Data.SYMBOL)
        link.source.capabilities.enter()
        link.source.capabilities.put_symbol(symbol("rabbitmq:volatile-queue"))
        link.source.capabilities.exit()
        link.snd_settle_mode = link.SND_SETTLED


def main():
    url, action, *args = sys.argv[1:]
    peer = Peer(url, action, args)
    Container(peer).run()
    sys.exit(1 if peer.failed else 0)


if __name__ == "__main__":
    main()
