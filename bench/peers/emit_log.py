"""Tutorial 3's emit_log.py (pika): declares the fanout exchange "logs" and
publishes one log message (the arguments, else 'info: Hello World!') to it.
The bench's peer for `deno task emit_log`.
"""
import sys

import pika

from _broker import PARAMETERS, name

EXCHANGE = name("EXCHANGE", "logs")

connection = pika.BlockingConnection(PARAMETERS)
channel = connection.channel()

channel.exchange_declare(exchange=EXCHANGE, exchange_type="fanout")

message = " ".join(sys.argv[1:]) or "info: Hello World!"
channel.basic_publish(exchange=EXCHANGE, routing_key="", body=message)
print(f" [x] Sent {message}")

connection.close()
