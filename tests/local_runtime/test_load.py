"""The local API under concurrent load: every request answered, counts exact, 429s as on AWS.

A hundred clients at once, each from a loopback address of its own (so the API's per-address
comment limit counts each one apart, as it would count people): commenters post more comments
than that limit lets through in any two minutes, readers list posts and read the thread. Every
function scales out to a few workers (a small local cap keeps the cold starts few on a small
machine; beyond it, requests wait for a worker), and the stage's burst limit is low, so the gateway
throttles the first wave; a client that gets the gateway's 429 waits and sends the same request
again, as an SDK does.
"""

import http.client
import random
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from tests.local_server import Answer, LocalServer, start_server

CLIENTS = 100
WORKERS_PER_FUNCTION = 3
COMMENTERS = 20
COMMENTS_PER_MINUTE = 2
COMMENTS_EACH = 2 * COMMENTS_PER_MINUTE + 1
"""More than two minutes' windows let through: each commenter meets the API's own limit."""
READS = ("/posts", "/posts/{slug}", "/posts/{slug}/comments")
BURST = 10
"""The stage's burst: far below the first wave of a hundred requests."""
RATE = 5
"""The stage's rate per route: below what two cores serve, so no request waits long for a worker."""
GATEWAY_RETRIES = 60
SLUG = "last-test"
TOO_MANY_REQUESTS = {"message": "Too Many Requests"}


@pytest.fixture(scope="module")
def loaded_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    running = start_server(
        tmp_path_factory.mktemp("serve-load"),
        "--no-demo",
        "--max-concurrency",
        str(WORKERS_PER_FUNCTION),
        "--parameter-overrides",
        f"CommentsPerMinutePerClient={COMMENTS_PER_MINUTE}",
        f"ThrottlingBurstLimit={BURST}",
        f"ThrottlingRateLimit={RATE}",
    )
    yield running
    assert running.stop() == 0


@dataclass
class Outcome:
    """What one client saw: every answer, and every request that got none."""

    answers: list[tuple[str, Answer]]
    dropped: list[str]


def send(
    server: LocalServer, address: str, outcome: Outcome, method: str, path: str, **body: str
) -> Answer | None:
    """One request, sent again while the gateway throttles it; None when the connection failed."""
    for _ in range(GATEWAY_RETRIES):
        try:
            answer = server.request(method, path, json_body=body or None, source_address=address)
        except (OSError, http.client.HTTPException) as error:
            outcome.dropped.append(f"{method} {path}: {error!r}")
            return None
        outcome.answers.append((f"{method} {path}", answer))
        if not (answer.status == 429 and answer.json() == TOO_MANY_REQUESTS):
            return answer
        time.sleep(0.5 + random.random())  # noqa: S311 (jitter, not a secret)
    return None


def run_client(server: LocalServer, number: int, start: threading.Barrier) -> Outcome:
    address = f"127.0.0.{10 + number}"
    outcome = Outcome(answers=[], dropped=[])
    start.wait(timeout=60)
    if number < COMMENTERS:
        for count in range(COMMENTS_EACH):
            send(
                server, address, outcome, "POST", f"/posts/{SLUG}/comments",
                author_name=f"Leser {number}", content=f"Kommentar {count} von Leser {number}.",
            )  # fmt: skip
    else:
        for path in READS:
            send(server, address, outcome, "GET", path.format(slug=SLUG))
    return outcome


def test_a_hundred_clients_at_once_are_all_answered_and_counted_exactly(loaded_server: LocalServer) -> None:
    published = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    post = {
        "title": "Lasttest", "content": "Ein Beitrag für viele Leser.", "author": "Test",
        "category": "Tests", "tags": ["Test"], "published_at": published, "comments_open": True,
    }  # fmt: skip
    assert loaded_server.request("PUT", f"/posts/{SLUG}", json_body=post, signed=True).status == 201
    start = threading.Barrier(CLIENTS)

    with ThreadPoolExecutor(max_workers=CLIENTS) as clients:
        futures = [clients.submit(run_client, loaded_server, number, start) for number in range(CLIENTS)]
        outcomes = [future.result(timeout=240) for future in futures]

    answers = [answer for outcome in outcomes for answer in outcome.answers]
    dropped = [request for outcome in outcomes for request in outcome.dropped]
    assert dropped == []
    assert sorted({answer.status for _, answer in answers}) == [200, 201, 429]
    throttled = [answer for _, answer in answers if answer.status == 429]
    by_gateway = [answer for answer in throttled if answer.json() == TOO_MANY_REQUESTS]
    by_the_api = [answer for answer in throttled if answer.json() != TOO_MANY_REQUESTS]
    assert by_gateway
    assert all("Retry-After" not in answer.headers for answer in by_gateway)
    assert by_the_api
    assert all(answer.json()["type"] == "/problems/rate-limited" for answer in by_the_api)
    assert all(int(answer.headers["Retry-After"]) > 0 for answer in by_the_api)
    accepted = sum(answer.status == 201 for request, answer in answers if request.startswith("POST"))
    thread = loaded_server.request("GET", f"/posts/{SLUG}").json()
    assert thread["comment_count"] == accepted
    cold_starts = loaded_server.log().count("SubmitCommentFunction (cold start")
    assert 1 < cold_starts <= WORKERS_PER_FUNCTION
