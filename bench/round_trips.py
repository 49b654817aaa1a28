"""DynamoDB round trips per route: every route of the HTTP API, one successful request each, its HTTP
requests to DynamoDB counted with botocore's event hooks. Target: 1 for every route that reads or
writes data (GET /openapi.json reads none).
"""

from collections.abc import Callable
from datetime import timedelta

from bench.data import check, comment, now, publish
from bench.environment import BenchEnvironment
from bench.inprocess import Answer

SLUG = "bench-runde"
THREE_LINKS = "Drei Verweise: http://a.example http://b.example www.c.example"
NO_DATA = frozenset({"GET /openapi.json"})
"""Routes that answer without reading or writing data."""


def measure(bench: BenchEnvironment) -> dict[str, int]:
    """The number of DynamoDB requests of one request to each route, keyed `"METHOD /path"`."""
    api = bench.api
    publish(api, SLUG, "Eine Runde zum Zählen.", published_at=now() - timedelta(days=1))
    first = comment(api, SLUG, "Der erste Kommentar.", source_ip="192.0.2.1")
    comment(api, SLUG, "Der zweite Kommentar.", source_ip="192.0.2.2")

    def held(number: int) -> str:
        body = {"author_name": f"Gehalten {number}", "content": THREE_LINKS}
        answer = api.post(f"/posts/{SLUG}/comments", json_body=body, source_ip=f"192.0.2.{10 + number}")
        comment_id: str = check(answer, "a held comment").json()["id"]
        return comment_id

    to_approve, to_spam = held(1), held(2)
    post = {
        "title": "Neu",
        "content": "Ein neuer Beitrag.",
        "author": "Miriam Albers",
        "category": "Kooperation & Netzwerke",
        "published_at": "2026-01-01T00:00:00Z",
    }
    comments = f"/posts/{SLUG}/comments"
    requests: dict[str, Callable[[], Answer]] = {
        "GET /posts": lambda: api.get("/posts"),
        "GET /posts/{slug}": lambda: api.get(f"/posts/{SLUG}"),
        "GET /posts/{slug}/comments": lambda: api.get(comments),
        "GET /openapi.json": lambda: api.get("/openapi.json"),
        "POST /posts/{slug}/comments": lambda: api.post(
            comments,
            json_body={"author_name": "Ada", "content": "Eine Antwort.", "parent_id": first["id"]},
            source_ip="192.0.2.3",
        ),
        "PUT /posts/{slug}": lambda: api.put("/posts/bench-neu", json_body=post, signed=True),
        "POST /posts/{slug}/close": lambda: api.post(f"/posts/{SLUG}/close", signed=True),
        "POST /posts/{slug}/reopen": lambda: api.post(f"/posts/{SLUG}/reopen", signed=True),
        "GET /comments": lambda: api.get("/comments", signed=True),
        "POST /posts/{slug}/comments/{comment_id}/approve": lambda: api.post(
            f"{comments}/{to_approve}/approve", signed=True
        ),
        "POST /posts/{slug}/comments/{comment_id}/spam": lambda: api.post(
            f"{comments}/{to_spam}/spam", signed=True
        ),
        "DELETE /posts/{slug}/comments/{comment_id}": lambda: api.request(
            "DELETE", f"{comments}/{to_approve}", signed=True
        ),
    }
    routes = [route.route_key for route in api.routes]
    missing = sorted(set(routes) - set(requests))
    if missing:
        raise RuntimeError(f"the bench has no request for these routes of template.yaml: {missing}")
    counted = {}
    for route in routes:
        with bench.recorder.recording() as calls:
            check(requests[route](), route)
        counted[route] = len(calls)
    return counted


def target_met(route: str, round_trips: int) -> bool:
    """One round trip per route, none where a route needs no data."""
    return round_trips == (0 if route in NO_DATA else 1)
