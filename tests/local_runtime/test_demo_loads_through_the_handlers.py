"""The demo blog of local/demo/ loads through the API's handlers (here invoked in this process):
valid as real content, within the comment rate limit, and with its closed thread."""

from typing import Any

import pytest

from local.demo import load_demo, read_posts, read_threads
from tests.inprocess import InProcessApi, InProcessDemoClient

CLOSED = "rueckblick-auf-das-nachbarschaftsfest-2026"


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
