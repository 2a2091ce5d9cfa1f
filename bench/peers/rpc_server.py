"""Tutorial 6's rpc_server.py (pika): declares the durable quorum queue
"rpc_queue", takes one request at a time (prefetch 1), replies fib(n) to the
request's reply_to with its correlation id, then acks. The bench's peer for
`deno task rpc_server`.
"""
import pika

from _broker import PARAMETERS, name

QUEUE = name("QUEUE", "rpc_queue")

connection = pika.BlockingConnection(PARAMETERS)
channel = connection.channel()

channel.queue_declare(queue=QUEUE, durable=True, arguments={"x-queue-type": "quorum"})


def fib(n):
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a


def on_request(ch, method, props, body):
    n = int(body)

    print(f" [.] fib({n})")
    response = fib(n)

    ch.basic_publish(
        exchange="",
        routing_key=props.reply_to,
        properties=pika.BasicProperties(correlation_id=props.correlation_id),
        body=str(response),
    )
    ch.basic_ack(delivery_tag=method.delivery_tag)


channel.basic_qos(prefetch_count=1)
channel.basic_consume(queue=QUEUE, on_message_callback=on_request)

print(" [x] Awaiting RPC requests")
channel.start_consuming()
