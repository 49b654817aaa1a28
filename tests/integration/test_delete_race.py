"""Comments and a post's deletion that race: no comment outlives its post, none is left behind.

Threads submit comments (with Idempotency-Keys, so each leaves a duplicate guard and an idempotency
record) while another deletes the post, against the embedded DynamoDB of the local runtime (moto's
server, a real HTTP endpoint), through the blog package. A property test: hypothesis draws the
number of readers, their comments and the moment of the deletion.
"""

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from blog import commenting, editorial, publishing
from blog.errors import PostNotFound
from blog.models import NewComment, PostInput
from tests.integration.test_race import Attempt, blog_settings, new_store  # noqa: F401 (fixtures)

TRIALS = 40


def items_of_table(store):
    client, table = store._client, store._table
    return [item for page in client.get_paginator("scan").paginate(TableName=table) for item in page["Items"]]


@settings(max_examples=TRIALS, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    submitters=st.integers(min_value=1, max_value=5),
    comments_each=st.integers(min_value=1, max_value=4),
    delete_after=st.floats(min_value=0, max_value=0.03),
)
def test_no_comment_outlives_its_deleted_post(
    new_store,  # noqa: F811
    blog_settings,  # noqa: F811
    submitters,
    comments_each,
    delete_after,
):
    store = new_store(f"delete-race-{uuid.uuid4().hex[:12]}")
    now = datetime.now(UTC)
    post_input = PostInput(
        title="Wettlauf", content="Text", author="A", category="K", published_at=now - timedelta(days=1)
    )
    publishing.put_post(store, blog_settings, "wettlauf", post_input, now=now)
    attempts: list[Attempt] = []
    deleted: list[float] = []
    start = threading.Barrier(submitters + 1)

    def submit_comments(submitter: int) -> None:
        start.wait()
        for n in range(comments_each):
            began = time.monotonic()
            try:
                comment_id = commenting.submit_comment(
                    store,
                    blog_settings,
                    "wettlauf",
                    NewComment(author_name=f"Leser {submitter}", content=f"Kommentar {n}"),
                    client_address=f"192.0.2.{submitter}",
                    idempotency_key=f"key-{submitter}-{n}",
                    now=datetime.now(UTC),
                ).comment.id
            except PostNotFound:
                comment_id = None
            attempts.append(Attempt(began, comment_id))

    def delete_midway() -> None:
        start.wait()
        time.sleep(delete_after)
        editorial.delete_post(
            store, "wettlauf", now=datetime.now(UTC), deadline=time.monotonic() + 20, hand_off=print
        )
        deleted.append(time.monotonic())

    with ThreadPoolExecutor(max_workers=submitters + 1) as pool:
        futures = [pool.submit(submit_comments, s) for s in range(submitters)]
        futures.append(pool.submit(delete_midway))
        for future in futures:
            future.result()  # any other error (a 5xx) fails the test here

    assert all(a.comment_id is None for a in attempts if a.started > deleted[0]), (
        "a comment was taken after the post was deleted"
    )
    left = [item for item in items_of_table(store) if not item["pk"]["S"].startswith("RATE#")]
    assert left == [], "the deletion left items behind (orphaned comments or their records)"
