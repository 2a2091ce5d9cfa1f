"""The failures track's worker in Python (pika), for the interop test of
tests/failures_test.ts: declares the dead letters and the work queue with
the same arguments as scripts/failing_worker.ts, takes one task at a time,
rejects a task with "poison" in it without requeue (the broker
dead-letters it) and acks the others.

Environment: AMQP_URL (default amqp://localhost), QUEUE (default
failing_tasks), DEAD_LETTERS (default dead_letters).
"""
import os
import sys

import pika

QUEUE = os.environ.get("QUEUE") or "failing_tasks"
DEAD_LETTERS = os.environ.get("DEAD_LETTERS") or "dead_letters"

connection = pika.BlockingConnection(
    pika.URLParameters(os.environ.get("AMQP_URL", "amqp://localhost"))
)
channel = connection.channel()

# The dead letters: an exchange, and a queue bound to it with the work queue's name.
channel.exchange_declare(exchange=DEAD_LETTERS, exchange_type="direct", durable=True)
channel.queue_declare(queue=DEAD_LETTERS, durable=True, arguments={"x-queue-type": "quorum"})
channel.queue_bind(queue=DEAD_LETTERS, exchange=DEAD_LETTERS, routing_key=QUEUE)
channel.queue_declare(
    queue=QUEUE,
    durable=True,
    arguments={
        "x-queue-type": "quorum",
        "x-dead-letter-exchange": DEAD_LETTERS,
        "x-dead-letter-routing-key": QUEUE,
    },
)
print(" [*] Waiting for messages. To exit press CTRL+C", flush=True)


def callback(ch, method, properties, body):
    task = body.decode()
    print(f" [x] Received '{task}'", flush=True)
    if "poison" in task:
        ch.basic_reject(delivery_tag=method.delivery_tag, requeue=False)
        print(f" [!] Failed '{task}': basic.reject, requeue false", flush=True)
        return
    print(" [x] Done", flush=True)
    ch.basic_ack(delivery_tag=method.delivery_tag)


channel.basic_qos(prefetch_count=1)
channel.basic_consume(queue=QUEUE, on_message_callback=callback)
try:
    channel.start_consuming()
except KeyboardInterrupt:
    connection.close()
    sys.exit(0)
