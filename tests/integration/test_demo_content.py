"""The demo blog of local/demo/ loads through the API's handlers (here invoked in this process):
valid as real content, within the comment rate limit, and with its closed thread."""

from typing import Any

import pytest

from local.demo import ThreadClosed, load_demo, read_posts, read_threads
from tests.inprocess import InProcessApi

CLOSED = "rueckblick-auf-das-nachbarschaftsfest-2026"


class InProcessDemoClient:
    """The demo's three API calls, through the in-process API."""

    def __init__(self, api: InProcessApi) -> None:
        self.api = api

    def put_post(self, slug: str, body: dict[str, Any]) -> None:
        answer = self.api.put(f"/posts/{slug}", json_body=body, signed=True)
        assert answer.status in (200, 201), answer.body

    def submit_comment(self, slug: str, body: dict[str, Any], client_address: str) -> dict[str, Any]:
        answer = self.api.post(f"/posts/{slug}/comments", json_body=body, source_ip=client_address)
        if answer.status == 403:
            raise ThreadClosed(answer.body)
        assert answer.status == 201, answer.body
        stored: dict[str, Any] = answer.json()
        return stored

    def close_thread(self, slug: str) -> None:
        answer = self.api.post(f"/posts/{slug}/close", signed=True)
        assert answer.status == 200, answer.body


def test_the_demo_loads_completely_without_tripping_the_rate_limit(api: InProcessApi) -> None:
    threads = read_threads()

    summary = load_demo(InProcessDemoClient(api), read_posts(), threads)

    assert summary.posts >= 6
    assert summary.comments == sum(count_comments(thread.comments) for thread in threads)
    assert summary.closed_threads == 1
    assert summary.threads_left_out == ()


def count_comments(comments: Any) -> int:
    return sum(1 + count_comments(comment.replies) for comment in comments)


def test_the_closed_thread_keeps_its_comment_and_reply(api: InProcessApi) -> None:
    load_demo(InProcessDemoClient(api), read_posts(), read_threads())

    post = api.get(f"/posts/{CLOSED}").json()

    assert post["comments_open"] is False
    assert [comment["parent_id"] for comment in post["comments"]] == [None, post["comments"][0]["id"]]


def test_every_post_has_only_fields_the_api_takes() -> None:
    for post in read_posts():
        assert set(post.body) <= {
            "title",
            "content",
            "excerpt",
            "author",
            "category",
            "tags",
            "published_at",
            "comments_open",
        }
        assert post.body["published_at"].endswith("Z")


@pytest.mark.parametrize("parameter_overrides", [{"CloseCommentsAfterDays": "180"}])
def test_threads_the_age_limit_closed_are_left_out_not_failed(api: InProcessApi) -> None:
    summary = load_demo(InProcessDemoClient(api), read_posts(), read_threads())

    assert summary.posts >= 6
    assert "willkommen-im-netzwerk-haselbacher-initiativen" in summary.threads_left_out
