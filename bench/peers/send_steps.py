"""send.py (pika), step by step, for the bench's table of where send's
milliseconds go: does what send.py does and prints on its last line the wall
clock (milliseconds since the epoch) after each step: start (Python runs
this file's first line), loaded (pika imported), connected, channel,
declared, published (and printed), closed.
"""
import json
import time

marks = {"start": time.time() * 1000}

import pika  # noqa: E402

from _broker import PARAMETERS, name  # noqa: E402

marks["loaded"] = time.time() * 1000

QUEUE = name("QUEUE", "hello")
connection = pika.BlockingConnection(PARAMETERS)
marks["connected"] = time.time() * 1000
channel = connection.channel()
marks["channel"] = time.time() * 1000
channel.queue_declare(queue=QUEUE, durable=True, arguments={"x-queue-type": "quorum"})
marks["declared"] = time.time() * 1000
channel.basic_publish(exchange="", routing_key=QUEUE, body="Hello World!")
print(" [x] Sent 'Hello World!'")
marks["published"] = time.time() * 1000
connection.close()
marks["closed"] = time.time() * 1000
print(json.dumps(marks))
