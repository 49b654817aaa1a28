"""The bench's DynamoDB: moto's server in a process of its own, so that its tables (10,000 posts at
the end of the growth curve) and its threads stay out of the process whose handlers are timed.

Run by bench.environment as `python dynamodb_server.py`: prints its endpoint, serves until its
stdin closes.

One deviation from moto as it comes: moto ends a Query's page at 1 MB of whole items, where
DynamoDB counts what the index holds. A page of 20 posts with 100 KB bodies read from the
summaries index is some 15 KB on DynamoDB, but moto would stop after five posts; the bench lifts
moto's limit so that the page is what DynamoDB would return. No other data set of the bench comes
near 1 MB a page.
"""

import logging
import sys

from moto.dynamodb.models import table as moto_table
from moto.server import ThreadedMotoServer

PAGE_LIMIT_BYTES = 64 * 1024 * 1024


def main() -> None:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    moto_table.RESULT_SIZE_LIMIT = PAGE_LIMIT_BYTES
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    print(f"http://{host}:{port}", flush=True)
    sys.stdin.read()
    server.stop()


if __name__ == "__main__":
    main()
