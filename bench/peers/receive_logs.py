"""Tutorial 3's receive_logs.py (pika): declares the fanout exchange "logs",
binds an exclusive server-named queue to it and prints every message,
auto-ack. The bench's peer for `deno task receive_logs`.
"""
import os
import sys

import pika

from _broker import PARAMETERS, name

EXCHANGE = name("EXCHANGE", "logs")


def main():
    connection = pika.BlockingConnection(PARAMETERS)
    channel = connection.channel()

    channel.exchange_declare(exchange=EXCHANGE, exchange_type="fanout")

    result = channel.queue_declare(queue="", exclusive=True)
    queue_name = result.method.queue

    channel.queue_bind(exchange=EXCHANGE, queue=queue_name)

    def callback(ch, method, properties, body):
        print(f" [x] {body.decode()}")

    print(" [*] Waiting for logs. To exit press CTRL+C")
    channel.basic_consume(queue=queue_name, on_message_callback=callback, auto_ack=True)

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
