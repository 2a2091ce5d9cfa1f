"""Tutorial 1's send.py (pika), as the official Python tutorial behaves:
declares the durable quorum queue "hello", publishes 'Hello World!' through
the default exchange, closes. The bench's peer for `deno task send`.
"""
import pika

from _broker import PARAMETERS, name

QUEUE = name("QUEUE", "hello")

connection = pika.BlockingConnection(PARAMETERS)
channel = connection.channel()

channel.queue_declare(queue=QUEUE, durable=True, arguments={"x-queue-type": "quorum"})

channel.basic_publish(exchange="", routing_key=QUEUE, body="Hello World!")
print(" [x] Sent 'Hello World!'")

connection.close()
