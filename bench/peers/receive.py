"""Tutorial 1's receive.py (pika): declares the durable quorum queue "hello"
and prints every message, auto-ack. The bench's peer for `deno task receive`.
"""
import os
import sys

import pika

from _broker import PARAMETERS, name

QUEUE = name("QUEUE", "hello")


def main():
    connection = pika.BlockingConnection(PARAMETERS)
    channel = connection.channel()

    channel.queue_declare(queue=QUEUE, durable=True, arguments={"x-queue-type": "quorum"})

    def callback(ch, method, properties, body):
        print(f" [x] Received {body.decode()}")

    channel.basic_consume(queue=QUEUE, on_message_callback=callback, auto_ack=True)

    print(" [*] Waiting for messages. To exit press CTRL+C")
    channel.start_consuming()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        print("Interrupted")
        try:
            sys.exit(0)
        except SystemExit:
            os._exit(0)
