"""Tutorial 6's rpc_client.py (pika): an exclusive server-named reply queue,
consumed with auto-ack; publishes n (the argument, else 30) to "rpc_queue"
with reply_to and a random correlation id, and waits for the reply with that
id. The bench's peer for `deno task rpc_client`.
"""
import sys
import uuid

import pika

from _broker import PARAMETERS, name

QUEUE = name("QUEUE", "rpc_queue")


class FibonacciRpcClient(object):
    def __init__(self):
        self.connection = pika.BlockingConnection(PARAMETERS)

        self.channel = self.connection.channel()

        result = self.channel.queue_declare(queue="", exclusive=True)
        self.callback_queue = result.method.queue

        self.channel.basic_consume(
            queue=self.callback_queue,
            on_message_callback=self.on_response,
            auto_ack=True,
        )

        self.response = None
        self.corr_id = None

    def on_response(self, ch, method, props, body):
        if self.corr_id == props.correlation_id:
            self.response = body

    def call(self, n):
        self.response = None
        self.corr_id = str(uuid.uuid4())
        self.channel.basic_publish(
            exchange="",
            routing_key=QUEUE,
            properties=pika.BasicProperties(
                reply_to=self.callback_queue,
                correlation_id=self.corr_id,
            ),
            body=str(n),
        )
        while self.response is None:
            self.connection.process_data_events(time_limit=None)
        return int(self.response)


n = int(sys.argv[1]) if len(sys.argv) > 1 else 30
fibonacci_rpc = FibonacciRpcClient()

print(f" [x] Requesting fib({n})")
response = fibonacci_rpc.call(n)
print(f" [.] Got {response}")
