"""The examples of the OpenAPI document: German demo data, as the demo blog (local/demo) has it.

Each is built from the model the API answers with or takes, so a renamed or new required field
fails here; tests/openapi/test_document.py checks each against its schema in the document.
"""

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel

from blog.errors import CommentNotFound, PostNotFound
from blog.models import (
    Comment,
    CommentPage,
    CommentStatus,
    ModeratedComment,
    NewComment,
    PendingComment,
    PendingPage,
    Post,
    PostInput,
    PostPage,
    PostSummary,
    ReaderComment,
    ReaderData,
    ReaderErasure,
    ReaderRequest,
    ReaderSubscription,
    ThreadState,
)

SLUG = "ein-jahr-repair-cafe-bilanz-aus-der-werkstatt"
COMMENT_ID = "01K7TQ3X8M4FZ9N2"
REPLY_ID = f"{COMMENT_ID}.01K7TR0D2W6Q3HJ5"
PUBLISHED = datetime(2025, 10, 18, 14, 15, tzinfo=UTC)
COMMENTED = datetime(2025, 10, 19, 8, 42, 7, tzinfo=UTC)
REPLIED = datetime(2025, 10, 19, 10, 3, 51, tzinfo=UTC)

NEW_COMMENT = NewComment(
    author_name="Sabine Krüger",
    author_email="sabine.krueger@example.org",
    content="Ich war im März mit meiner alten Nähmaschine bei euch, und sie läuft bis heute. "
    "Vielen Dank an das ganze Team!",
)
NEW_REPLY = NewComment(
    author_name="Tobias Renner",
    author_url="https://example.org/repair-cafe",
    content="Danke, Frau Krüger! Das „Sorgenkind“ des Monats war übrigens eine Pfeffermühle.",
    parent_id=COMMENT_ID,
)
COMMENT = Comment(
    id=COMMENT_ID,
    parent_id=None,
    author_name="Sabine Krüger",
    author_url=None,
    content_html="<p>Ich war im März mit meiner alten Nähmaschine bei euch, und sie läuft bis heute. "
    "Vielen Dank an das ganze Team!</p>\n",
    created_at=COMMENTED,
    status=CommentStatus.APPROVED,
)
REPLY = Comment(
    id=REPLY_ID,
    parent_id=COMMENT_ID,
    author_name="Tobias Renner",
    author_url="https://example.org/repair-cafe",
    content_html="<p>Danke, Frau Krüger! Das „Sorgenkind“ des Monats war übrigens eine Pfeffermühle.</p>\n",
    created_at=REPLIED,
    status=CommentStatus.APPROVED,
)
SUMMARY = PostSummary(
    slug=SLUG,
    title="Ein Jahr Repair-Café: Bilanz aus der Werkstatt",
    excerpt="214 Gegenstände, 131 Reparaturen und eine Pfeffermühle aus den Achtzigern: "
    "unser erstes Jahr im Gemeindehaus.",
    author="Tobias Renner",
    category="Werkstatt & Digitales",
    tags=["Repair-Café", "Nachhaltigkeit", "Ehrenamt"],
    published_at=PUBLISHED,
    updated_at=PUBLISHED,
    comment_count=2,
    comments_open=True,
    closes_at=None,
)
POST = Post(
    **SUMMARY.model_dump(),
    content_html="<p>Als wir im Herbst letzten Jahres die ersten Tische im Gemeindesaal aufgestellt "
    "haben, hatten wir drei Lötkolben und eine geliehene Nähmaschine.</p>\n",
    comments=[COMMENT, REPLY],
    comments_next_cursor=None,
)
POST_INPUT = PostInput(
    title="Ein Jahr Repair-Café: Bilanz aus der Werkstatt",
    content="Als wir im Herbst letzten Jahres die ersten Tische im Gemeindesaal aufgestellt haben, "
    "hatten wir drei Lötkolben und eine geliehene Nähmaschine.\n\n## Die Zahlen\n\n"
    "- 214 Gegenstände wurden vorbeigebracht.\n- 131 davon funktionieren wieder.\n",
    author="Tobias Renner",
    category="Werkstatt & Digitales",
    tags=["Repair-Café", "Nachhaltigkeit", "Ehrenamt"],
    published_at=PUBLISHED,
)
PENDING = PendingComment(
    **COMMENT.model_dump(exclude={"status"}),
    status=CommentStatus.PENDING,
    post_slug=SLUG,
)


READER = ReaderRequest(email=NEW_COMMENT.author_email or "")
READER_DATA = ReaderData(
    email=READER.email,
    comments=[
        ReaderComment(
            post_slug=SLUG,
            id=COMMENT_ID,
            parent_id=None,
            author_name=NEW_COMMENT.author_name,
            author_email=NEW_COMMENT.author_email,
            author_url=None,
            content=NEW_COMMENT.content,
            created_at=COMMENTED,
            status=CommentStatus.APPROVED,
        )
    ],
    subscriptions=[
        ReaderSubscription(post_slug=SLUG, comment_id=COMMENT_ID, confirmed=True, created_at=COMMENTED)
    ],
    suppression=None,
)
READER_ERASURE = ReaderErasure(
    comments_removed=0,
    comments_tombstoned=1,
    subscriptions_removed=1,
    duplicate_guards_removed=1,
    idempotency_records_removed=0,
    suppressed_now=True,
    expiring=[],
)


def _example(summary: str, value: BaseModel | dict[str, Any]) -> dict[str, Any]:
    if isinstance(value, BaseModel):
        # A request shows what a client sends: only the fields it sets; an answer has every field.
        value = value.model_dump(mode="json", exclude_unset=isinstance(value, NewComment | PostInput))
    return {"summary": summary, "value": value}


def _problem(status: int, title: str, reason: str, detail: str, **extra: Any) -> dict[str, Any]:
    return {"type": f"/problems/{reason}", "title": title, "status": status, "detail": detail, **extra}


POST_NOT_FOUND = _example(
    "No published post has this slug",
    _problem(404, "Not Found", PostNotFound.reason, PostNotFound.detail),
)
COMMENT_NOT_FOUND = _example(
    "The post has no comment with this id",
    _problem(404, "Not Found", CommentNotFound.reason, CommentNotFound.detail),
)
INVALID_COMMENT = _example(
    "A field is missing",
    _problem(
        422,
        "Unprocessable Entity",
        "validation-error",
        "The request is not valid; see errors.",
        errors=[{"loc": ["body", "author_name"], "msg": "Field required"}],
    ),
)
INVALID_QUERY = _example(
    "A query parameter is out of range",
    _problem(
        422,
        "Unprocessable Entity",
        "validation-error",
        "The request is not valid; see errors.",
        errors=[{"loc": ["query", "limit"], "msg": "Input should be less than or equal to 50"}],
    ),
)

EXAMPLES: dict[str, dict[str, dict[str, dict[str, Any]]]] = {
    "listPosts": {
        "200": {"firstPage": _example("The newest posts", PostPage(items=[SUMMARY], next_cursor=None))},
        "422": {"limitTooLarge": INVALID_QUERY},
    },
    "getPost": {
        "200": {"post": _example("A post with a comment and a reply", POST)},
        "404": {"postNotFound": POST_NOT_FOUND},
    },
    "listComments": {
        "200": {"page": _example("The next page of comments", CommentPage(items=[REPLY], next_cursor=None))},
        "404": {"postNotFound": POST_NOT_FOUND},
    },
    "submitComment": {
        "request": {
            "comment": _example("A comment", NEW_COMMENT),
            "reply": _example("A reply to a comment", NEW_REPLY),
        },
        "201": {"approved": _example("Stored and published", REPLY)},
        "404": {"postNotFound": POST_NOT_FOUND},
        "422": {"missingName": INVALID_COMMENT},
    },
    "closeThread": {
        "200": {
            "closed": _example(
                "The thread takes no more comments",
                ThreadState(slug=SLUG, comments_open=False, closed_at=REPLIED),
            )
        },
        "404": {"postNotFound": POST_NOT_FOUND},
    },
    "reopenThread": {
        "200": {
            "open": _example("The thread takes comments again", ThreadState(slug=SLUG, comments_open=True))
        },
        "404": {"postNotFound": POST_NOT_FOUND},
    },
    "putPost": {
        "request": {"post": _example("A published post", POST_INPUT)},
        "200": {"updated": _example("The post as readers see it", POST.model_copy(update={"comments": []}))},
        "201": {"created": _example("The post as readers see it", POST.model_copy(update={"comments": []}))},
    },
    "listPendingComments": {
        "200": {"queue": _example("One comment waits", PendingPage(items=[PENDING], next_cursor=None))},
    },
    "approveComment": {
        "200": {
            "approved": _example(
                "Published",
                ModeratedComment(
                    post_slug=SLUG, id=COMMENT_ID, parent_id=None, status=CommentStatus.APPROVED
                ),
            )
        },
        "404": {"commentNotFound": COMMENT_NOT_FOUND},
    },
    "markCommentAsSpam": {
        "200": {
            "spam": _example(
                "Hidden as spam",
                ModeratedComment(post_slug=SLUG, id=COMMENT_ID, parent_id=None, status=CommentStatus.SPAM),
            )
        },
        "404": {"commentNotFound": COMMENT_NOT_FOUND},
    },
    "deleteComment": {"404": {"commentNotFound": COMMENT_NOT_FOUND}},
    "exportReaderData": {
        "request": {"reader": _example("Whose data", READER)},
        "200": {"data": _example("A comment, its reply subscription, not suppressed", READER_DATA)},
    },
    "forgetReader": {
        "request": {"reader": _example("Whose data", READER)},
        "200": {"erased": _example("A comment that others answered: a tombstone now", READER_ERASURE)},
    },
}
"""By operation id, then `request` or the status code, the named examples of that media type."""


def examples_of(operation_id: str, where: str) -> dict[str, dict[str, Any]] | None:
    """The examples of an operation's request (`where` is "request") or of one of its answers."""
    return EXAMPLES.get(operation_id, {}).get(where)


def every_example() -> set[tuple[str, str]]:
    """Each (operation id, request or status code) that has examples."""
    return {(operation_id, where) for operation_id, found in EXAMPLES.items() for where in found}
