"""What the pika peers share with the project's programs: the broker URL
(AMQP_URL, else amqp://localhost) and the bench's names for queues and
exchanges (QUEUE, EXCHANGE), so a bench run never touches a user's queues.
"""
import os

import pika

# What the official tutorials write as pika.ConnectionParameters(host="localhost").
PARAMETERS = pika.URLParameters(os.environ.get("AMQP_URL", "amqp://localhost"))


def name(variable, default):
    """The queue or exchange name the bench chose, else the tutorial's own."""
    return os.environ.get(variable) or default
