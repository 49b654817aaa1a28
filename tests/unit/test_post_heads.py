"""Reading many posts' heads in one BatchGetItem: unprocessed keys are asked for again, in time."""

from typing import Any

import pytest

from blog.errors import ServiceUnavailable
from blog.store import BlogStore
from blog.store import table as store_table
from blog.store.keys import post_key, to_item


def head(slug: str, count: int) -> dict[str, Any]:
    return to_item(
        {"pk": f"POST#{slug}", "slug": slug, "title": slug.title(), "published_at": "2026-01-01T00:00:00Z",
         "comment_count": count}
    )  # fmt: skip


class ThrottledClient:
    """Leaves the keys after the first unprocessed `throttled_times` times, as DynamoDB does when
    throttled."""

    def __init__(self, throttled_times: int) -> None:
        self.throttled_times = throttled_times
        self.requests: list[dict[str, Any]] = []

    def batch_get_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:  # noqa: N803
        self.requests.append(RequestItems)
        keys = RequestItems["blog"]["Keys"]
        served, rest = (keys[:1], keys[1:]) if self.throttled_times else (keys, [])
        self.throttled_times -= 1
        unprocessed = {"blog": {**RequestItems["blog"], "Keys": rest}} if rest else {}
        slugs = [key["pk"]["S"].removeprefix("POST#") for key in served]
        return {"Responses": {"blog": [head(slug, 1) for slug in slugs]}, "UnprocessedKeys": unprocessed}


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch):
    monkeypatch.setattr(store_table.time, "sleep", lambda _seconds: None)


def test_unprocessed_keys_are_asked_for_again_and_only_they():
    client = ThrottledClient(throttled_times=2)

    heads = BlogStore(client, "blog").read_post_heads(["a", "b", "c"])  # type: ignore[arg-type]

    assert sorted(heads) == ["a", "b", "c"]
    assert [request["blog"]["Keys"] for request in client.requests] == [
        [post_key("a"), post_key("b"), post_key("c")],
        [post_key("b"), post_key("c")],
        [post_key("c")],
    ]


def test_keys_still_unprocessed_when_the_time_is_up_are_a_service_unavailable(monkeypatch):
    clock = iter(range(0, 1000))
    monkeypatch.setattr(store_table.time, "monotonic", lambda: next(clock))

    with pytest.raises(ServiceUnavailable):
        # One key served a second, ten keys: the two seconds are up first.
        BlogStore(ThrottledClient(throttled_times=1000), "blog").read_post_heads(list("abcdefghij"))  # type: ignore[arg-type]
