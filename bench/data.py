"""The data the bench reads: the demo blog, written through the API, and large data sets made of
items shaped exactly as the blog's store writes them.

Large data sets are not written through the API: moto copies every table for each transaction,
which grows slow as a table grows. Instead one post and one comment are written through the API,
read back as the store wrote them, and copied under new keys (blog.store.keys) with BatchWriteItem
(blogctl.bulk.BulkStore).
"""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from bench.inprocess import InProcessApi
from blog.ids import new_comment_id
from blog.store.keys import POST_SK, comment_sk, from_item, post_key, post_pk, to_item
from blog.timestamps import format_timestamp
from local.demo import DemoLoadError, ThreadClosed, load_demo, read_posts, read_threads

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

CATEGORY = "Kooperation & Netzwerke"
SHORT_TEXT = (
    "Das Netzwerk trifft sich wieder im Bürgerhaus: „Gemeinsam statt nebeneinander“ – so lautet "
    "das Motto. Wir freuen uns über neue Gesichter, Ideen und Fragen."
)


def post_body(content: str, *, published_at: datetime, title: str = "Beitrag") -> dict[str, Any]:
    """A `PUT /posts/{slug}` body."""
    return {
        "title": title,
        "content": content,
        "author": "Miriam Albers",
        "category": CATEGORY,
        "tags": ["Ehrenamt", "Netzwerk"],
        "published_at": format_timestamp(published_at),
        "comments_open": True,
    }


def text_of_length(length: int) -> str:
    """Markdown paragraphs of German text, about `length` bytes in UTF-8 and never more (a post's
    cap is in bytes)."""
    paragraphs = []
    size = 0
    while size < length:
        paragraphs.append(SHORT_TEXT)
        size += len(SHORT_TEXT.encode()) + 2
    # A character cut in two at the end is dropped.
    text = "\n\n".join(paragraphs).encode()[:length].decode(errors="ignore").rstrip()
    return text or SHORT_TEXT[:1]


def check(answer: Any, what: str) -> Any:
    """The answer, if it is a success."""
    if answer.status >= 300:
        raise RuntimeError(f"{what} answered {answer.status}: {answer.body}")
    return answer


class InProcessDemoClient:
    """The demo's three API calls (local.demo.DemoClient), through the handlers in this process."""

    def __init__(self, api: InProcessApi) -> None:
        self._api = api

    def put_post(self, slug: str, body: dict[str, Any]) -> None:
        check(self._api.put(f"/posts/{slug}", json_body=body, signed=True), f"PUT /posts/{slug}")

    def submit_comment(self, slug: str, body: dict[str, Any], client_address: str) -> dict[str, Any]:
        answer = self._api.post(f"/posts/{slug}/comments", json_body=body, source_ip=client_address)
        if answer.status >= 300:
            # The API answers 403 only to a comment on a closed thread: load_demo leaves that one out.
            refusal = ThreadClosed if answer.status == HTTPStatus.FORBIDDEN else DemoLoadError
            raise refusal(f"POST /posts/{slug}/comments answered {answer.status}: {answer.body}")
        stored: dict[str, Any] = answer.json()
        return stored

    def close_thread(self, slug: str) -> None:
        check(self._api.post(f"/posts/{slug}/close", signed=True), f"POST /posts/{slug}/close")


def load_demo_blog(api: InProcessApi) -> None:
    """The demo blog of `make run`, written through the API."""
    load_demo(InProcessDemoClient(api), read_posts(), read_threads())


def publish(api: InProcessApi, slug: str, content: str, *, published_at: datetime) -> dict[str, Any]:
    """Publish a post through the API; its answer."""
    answer = api.put(f"/posts/{slug}", json_body=post_body(content, published_at=published_at), signed=True)
    published: dict[str, Any] = check(answer, f"PUT /posts/{slug}").json()
    return published


def comment(api: InProcessApi, slug: str, text: str, *, source_ip: str) -> dict[str, Any]:
    """A comment through the API; its answer."""
    body = {"author_name": "Jonas Feldmann", "content": text}
    answer = api.post(f"/posts/{slug}/comments", json_body=body, source_ip=source_ip)
    stored: dict[str, Any] = check(answer, f"POST /posts/{slug}/comments").json()
    return stored


def read_item(client: "DynamoDBClient", table: str, key: dict[str, Any]) -> dict[str, Any]:
    """An item as the table holds it, in DynamoDB's typed form."""
    item = client.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")
    if item is None:
        raise RuntimeError(f"no item {from_item(key)} in {table}")
    return dict(item)


def posts_like(
    head: dict[str, Any], body: dict[str, Any], *, first: int, count: int, newest: datetime
) -> Iterator[dict[str, Any]]:
    """The head and body items of `count` published posts shaped as `head` and `body` (a post's
    items the store wrote), under new slugs, a minute apart, numbered from `first`."""
    head_shape, body_shape = from_item(head), from_item(body)
    for number in range(first, first + count):
        slug = f"beitrag-{number:06d}"
        moment = format_timestamp(newest - timedelta(minutes=number))
        yield to_item(
            {
                **head_shape,
                "pk": post_pk(slug),
                "sk": POST_SK,
                "slug": slug,
                "title": f"Beitrag {number}",
                "published_at": moment,
                "created_at": moment,
                "updated_at": moment,
            }
        )
        yield to_item({**body_shape, "pk": post_pk(slug)})


def comments_like(
    prototype: dict[str, Any], slug: str, *, count: int, oldest: datetime
) -> Iterator[dict[str, Any]]:
    """`count` approved top-level comments on `slug` shaped as `prototype` (a comment item the store
    wrote), a second apart from `oldest` on."""
    shape = from_item(prototype)
    for number in range(count):
        created = oldest + timedelta(seconds=number)
        comment_id = new_comment_id(None, created)
        sk = comment_sk(comment_id)
        yield to_item(
            {
                **shape,
                "pk": post_pk(slug),
                "sk": sk,
                "visible_sk": sk,
                "id": comment_id,
                "post_slug": slug,
                "created_at": format_timestamp(created),
            }
        )


def set_comment_count(client: "DynamoDBClient", table: str, slug: str, count: int) -> None:
    """What the store keeps exact as comments arrive, for comments written behind its back."""
    client.update_item(
        TableName=table,
        Key=post_key(slug),
        UpdateExpression="SET comment_count = :count",
        ExpressionAttributeValues=to_item({":count": count}),
    )


def now() -> datetime:
    return datetime.now(UTC)
