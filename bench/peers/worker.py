"""Tutorial 2's worker.py (pika): declares the durable quorum queue
"task_queue", takes one task at a time (prefetch 1), sleeps one second per
"." and acks it. The bench's peer for `deno task worker`.
"""
import time

import pika

from _broker import PARAMETERS, name

QUEUE = name("QUEUE", "task_queue")

connection = pika.BlockingConnection(PARAMETERS)
channel = connection.channel()

channel.queue_declare(queue=QUEUE, durable=True, arguments={"x-queue-type": "quorum"})
print(" [*] Waiting for messages. To exit press CTRL+C")


def callback(ch, method, properties, body):
    print(f" [x] Received {body.decode()}")
    time.sleep(body.count(b"."))
    print(" [x] Done")
    ch.basic_ack(delivery_tag=method.delivery_tag)


channel.basic_qos(prefetch_count=1)
channel.basic_consume(queue=QUEUE, on_message_callback=callback)

channel.start_consuming()
