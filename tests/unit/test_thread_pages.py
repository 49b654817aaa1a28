"""A page of comments goes on where DynamoDB stopped, and every later page learns the post's state.

DynamoDB ends a Query at 1 MB of items with a LastEvaluatedKey, fewer items than its Limit
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Query.Pagination.html). A client
standing for DynamoDB answers that way here; tests/integration reads a long thread from moto.
"""

import threading
from datetime import UTC, datetime
from typing import Any

from blog.models import CommentStatus, StoredComment, StoredPost
from blog.store import BlogStore
from blog.store.keys import comment_item, post_items, to_item

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)

PUBLISHED = "2026-04-01T08:00:00Z"
PUBLISHED_AT = datetime(2026, 4, 1, 8, tzinfo=UTC)


def comment(comment_id: str) -> dict[str, Any]:
    return comment_item(
        StoredComment(
            id=comment_id, post_slug="post", author_name="Ada", content="Hallo", content_html="<p>Hallo</p>",
            created_at=NOW, status=CommentStatus.APPROVED,
        )
    )  # fmt: skip


def post() -> list[dict[str, Any]]:
    """The post's head and body items."""
    return list(post_items(
        StoredPost(
            slug="post", title="T", excerpt="E", author="A", category="K", published_at=PUBLISHED_AT,
            updated_at=NOW, comments_open=True, content="C", content_html="<p>C</p>", created_at=NOW,
            revision=1,
        )
    ))  # fmt: skip


class StoppingClient:
    """Answers each Query with `items` and, when `stopped`, the LastEvaluatedKey of the last one."""

    def __init__(self, items: list[dict[str, Any]], *, stopped: bool, published_at: str | None) -> None:
        self.items, self.stopped, self.published_at = items, stopped, published_at
        self.requests: list[dict[str, Any]] = []
        self.threads: set[int] = set()

    def query(self, **request: Any) -> dict[str, Any]:
        self.requests.append(request)
        self.threads.add(threading.get_ident())
        answer: dict[str, Any] = {"Items": self.items}
        if self.stopped:
            last = self.items[-1]
            answer["LastEvaluatedKey"] = {name: last[name] for name in ("pk", "sk", "visible_sk")}
        return answer

    def get_item(self, **request: Any) -> dict[str, Any]:
        self.requests.append(request)
        self.threads.add(threading.get_ident())
        return {} if self.published_at is None else {"Item": to_item({"published_at": self.published_at})}


def test_a_first_page_stopped_at_1_mb_goes_on_after_its_last_comment() -> None:
    client = StoppingClient([*post(), comment("01AAAAAAAAAAAAAA"), comment("01BBBBBBBBBBBBBB")],
                            stopped=True, published_at=PUBLISHED)  # fmt: skip

    page = BlogStore(client, "blog").read_thread("post", limit=50, after=None)  # type: ignore[arg-type]

    assert [c.id for c in page.comments] == ["01AAAAAAAAAAAAAA", "01BBBBBBBBBBBBBB"]
    assert page.next_position == {"id": "01BBBBBBBBBBBBBB"}
    assert page.post is not None
    assert [request.get("Limit") for request in client.requests] == [53]


def test_a_later_page_stopped_at_1_mb_goes_on_after_its_last_comment() -> None:
    client = StoppingClient([comment("01CCCCCCCCCCCCCC")], stopped=True, published_at=PUBLISHED)

    page = BlogStore(client, "blog").read_thread(  # type: ignore[arg-type]
        "post", limit=50, after={"id": "01BBBBBBBBBBBBBB"}
    )

    assert [c.id for c in page.comments] == ["01CCCCCCCCCCCCCC"]
    assert page.next_position == {"id": "01CCCCCCCCCCCCCC"}


def test_a_page_that_read_to_the_end_has_no_next_position() -> None:
    client = StoppingClient([comment("01CCCCCCCCCCCCCC")], stopped=False, published_at=PUBLISHED)

    page = BlogStore(client, "blog").read_thread(  # type: ignore[arg-type]
        "post", limit=50, after={"id": "01BBBBBBBBBBBBBB"}
    )

    assert page.next_position is None


def test_a_later_page_reads_the_publication_alone_and_beside_the_query() -> None:
    client = StoppingClient([comment("01CCCCCCCCCCCCCC")], stopped=False, published_at=PUBLISHED)

    page = BlogStore(client, "blog").read_thread(  # type: ignore[arg-type]
        "post", limit=50, after={"id": "01BBBBBBBBBBBBBB"}
    )

    assert page.published_at == PUBLISHED_AT
    (get_item,) = [request for request in client.requests if "Key" in request]
    assert get_item["ProjectionExpression"] == "published_at"
    assert len(client.threads) == 2


def test_a_later_page_of_a_draft_has_no_publication() -> None:
    client = StoppingClient([comment("01CCCCCCCCCCCCCC")], stopped=False, published_at=None)

    page = BlogStore(client, "blog").read_thread(  # type: ignore[arg-type]
        "post", limit=50, after={"id": "01BBBBBBBBBBBBBB"}
    )

    assert page.published_at is None
