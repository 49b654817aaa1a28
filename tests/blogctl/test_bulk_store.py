"""The bulk operations' batching and their bounded retries of what DynamoDB leaves unprocessed."""

from typing import Any

import pytest

from blog.errors import ServiceUnavailable
from blog.store.keys import to_item
from blogctl.bulk import ATTEMPTS, BATCH_GET_LIMIT, BATCH_WRITE_LIMIT, BulkStore, item_size


class FakeClient:
    """Leaves the last request of each batch unprocessed `refusals` times, then takes it."""

    def __init__(self, refusals: int) -> None:
        self.refusals = refusals
        self.written: list[dict[str, Any]] = []
        self.write_calls: list[int] = []
        self.get_calls: list[int] = []

    def batch_write_item(self, RequestItems: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:  # noqa: N803
        (requests,) = RequestItems.values()
        self.write_calls.append(len(requests))
        if self.refusals:
            self.refusals -= 1
            self.written += [request["PutRequest"]["Item"] for request in requests[:-1]]
            return {"UnprocessedItems": {"blog": requests[-1:]}}
        self.written += [request["PutRequest"]["Item"] for request in requests]
        return {"UnprocessedItems": {}}

    def batch_get_item(self, RequestItems: dict[str, dict[str, Any]]) -> dict[str, Any]:  # noqa: N803
        (request,) = RequestItems.values()
        keys = request["Keys"]
        self.get_calls.append(len(keys))
        if self.refusals:
            self.refusals -= 1
            return {
                "Responses": {"blog": keys[:-1]},
                "UnprocessedKeys": {"blog": {**request, "Keys": keys[-1:]}},
            }
        return {"Responses": {"blog": keys}, "UnprocessedKeys": {}}


def items(count: int) -> list[dict[str, Any]]:
    return [to_item({"pk": f"POST#p{n}", "sk": "#POST"}) for n in range(count)]


def store(client: FakeClient, pauses: list[float]) -> BulkStore:
    return BulkStore(client, "blog", pause=pauses.append)  # type: ignore[arg-type]


def test_writes_go_in_batches_of_25_and_what_is_left_is_sent_again():
    client, pauses = FakeClient(refusals=2), []

    store(client, pauses).put(items(60))

    assert client.write_calls == [25, 1, 1, 25, 10]
    assert sorted(item["pk"]["S"] for item in client.written) == sorted(f"POST#p{n}" for n in range(60))
    assert pauses == [0.05, 0.1]


def test_a_batch_that_stays_unprocessed_ends_in_service_unavailable_after_bounded_retries():
    client, pauses = FakeClient(refusals=1000), []

    with pytest.raises(ServiceUnavailable):
        store(client, pauses).put(items(BATCH_WRITE_LIMIT))

    assert len(client.write_calls) == ATTEMPTS
    assert pauses == [0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 3.2]


def test_reads_go_in_batches_of_100_and_unprocessed_keys_are_read_again():
    client, pauses = FakeClient(refusals=1), []
    keys = [(f"POST#p{n}", "#POST") for n in range(150)]

    found = store(client, pauses).read(keys + keys[:10])

    assert client.get_calls == [BATCH_GET_LIMIT, 1, 50]
    assert set(found) == set(keys)


def test_item_size_counts_names_and_values_in_utf8_bytes():
    item = to_item({"pk": "POST#ä", "n": 12345, "ok": True, "tags": ["ab", "c"]})

    # A number counts about one byte per two digits, and one more.
    assert item_size(item) == (2 + 7) + (1 + 4) + (2 + 1) + (4 + 3 + (1 + 2) + (1 + 1))
