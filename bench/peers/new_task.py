"""Tutorial 2's new_task.py (pika): declares the durable quorum queue
"task_queue" and publishes one persistent task (the arguments, else
'Hello World!'). The bench's peer for `deno task new_task`.
"""
import sys

import pika

from _broker import PARAMETERS, name

QUEUE = name("QUEUE", "task_queue")

connection = pika.BlockingConnection(PARAMETERS)
channel = connection.channel()

channel.queue_declare(queue=QUEUE, durable=True, arguments={"x-queue-type": "quorum"})

message = " ".join(sys.argv[1:]) or "Hello World!"
channel.basic_publish(
    exchange="",
    routing_key=QUEUE,
    body=message,
    properties=pika.BasicProperties(delivery_mode=pika.spec.PERSISTENT_DELIVERY_MODE),
)
print(f" [x] Sent {message}")

connection.close()
