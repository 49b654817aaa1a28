"""Comments and a close that race: no comment is ever stored after the close.

Threads submit comments while another closes the thread, against the embedded DynamoDB of the
local runtime (moto's server, a real HTTP endpoint, like DynamoDB), through the blog package's own
services and store. A property test: hypothesis draws the number of readers, their comments and
the moment of the close, over 200 trials.
"""

import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from blog import commenting, publishing
from blog.errors import CommentsClosed
from blog.models import NewComment, PostInput
from blog.settings import Settings
from blog.store import BlogStore
from local.embedded_dynamodb import dynamodb_client, embedded_dynamodb
from local.template import create_table_arguments

TRIALS = 200


@pytest.fixture
def new_store(template, function_environment) -> Iterator[Any]:
    """Stores on fresh tables of one moto server (moto's transactions slow down as a table grows)."""
    with embedded_dynamodb() as endpoint:
        client = dynamodb_client(endpoint)

        def store_on_a_new_table(name: str) -> BlogStore:
            client.create_table(**create_table_arguments(template, name))
            return BlogStore(client, name)

        yield store_on_a_new_table


@pytest.fixture
def blog_settings(function_environment) -> Settings:
    return Settings.model_validate({**function_environment, "COMMENTS_PER_MINUTE_PER_CLIENT": "1000"})


@dataclass
class Attempt:
    started: float
    comment_id: str | None


def race(
    store: BlogStore,
    blog_settings: Settings,
    slug: str,
    submitters: int,
    comments_each: int,
    close_after: float,
) -> tuple[list[Attempt], float]:
    """Submitters and one close, let go at once; every attempt, and when the close returned."""
    attempts: list[Attempt] = []
    closed: list[float] = []
    start = threading.Barrier(submitters + 1)

    def submit_comments(submitter: int) -> None:
        start.wait()
        for n in range(comments_each):
            began = time.monotonic()
            try:
                comment_id = commenting.submit_comment(
                    store,
                    blog_settings,
                    slug,
                    NewComment(author_name=f"Leser {submitter}", content=f"Kommentar {n}"),
                    client_address=f"192.0.2.{submitter}",
                    idempotency_key=None,
                    now=datetime.now(UTC),
                ).comment.id
            except CommentsClosed:
                comment_id = None
            attempts.append(Attempt(began, comment_id))

    def close_midway() -> None:
        start.wait()
        time.sleep(close_after)
        publishing.close_thread(store, slug, now=datetime.now(UTC))
        closed.append(time.monotonic())

    with ThreadPoolExecutor(max_workers=submitters + 1) as pool:
        futures = [pool.submit(submit_comments, s) for s in range(submitters)]
        futures.append(pool.submit(close_midway))
        for future in futures:
            future.result()  # any other error (a 5xx) fails the test here
    return attempts, closed[0]


@settings(max_examples=TRIALS, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    submitters=st.integers(min_value=1, max_value=6),
    comments_each=st.integers(min_value=1, max_value=4),
    close_after=st.floats(min_value=0, max_value=0.03),
)
def test_no_comment_is_stored_after_the_close(
    new_store, blog_settings, submitters, comments_each, close_after
):
    store = new_store(f"race-{uuid.uuid4().hex[:12]}")
    now = datetime.now(UTC)
    post_input = PostInput(
        title="Wettlauf", content="Text", author="A", category="K", published_at=now - timedelta(days=1)
    )
    publishing.put_post(store, blog_settings, "wettlauf", post_input, now=now)

    attempts, closed_at = race(store, blog_settings, "wettlauf", submitters, comments_each, close_after)

    accepted = {a.comment_id for a in attempts if a.comment_id is not None}
    page = store.read_thread("wettlauf", limit=1000, after=None)
    post, stored = page.post, page.comments
    assert post is not None
    assert post.comments_open is False
    assert all(a.comment_id is None for a in attempts if a.started > closed_at), (
        "a comment got in after the close"
    )
    assert {comment.id for comment in stored} == accepted
    assert post.comment_count == len(accepted)
