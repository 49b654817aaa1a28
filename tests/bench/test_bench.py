"""`python -m bench --quick`: every part of `make bench` runs on tiny sizes, so the benchmark cannot
rot, and its deterministic figures hold (one DynamoDB round trip per route, list pages that do not
grow with the posts' bodies). Timings are `make bench`'s business, not a test's.
"""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bench.wxr_import import measure
from local.embedded_dynamodb import dynamodb_client, embedded_dynamodb
from local.template import PROJECT_ROOT, FunctionDefinition, http_routes
from tests.local_server import local_environment

NO_DATA = {"GET /openapi.json", "GET /actions/{token}"}


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    output = tmp_path_factory.mktemp("bench") / "results.json"
    environment = local_environment()
    finished = subprocess.run(  # noqa: S603 (this interpreter, this project)
        [sys.executable, "-m", "bench", "--quick", "--output", str(output)],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert finished.returncode == 0, finished.stdout + finished.stderr
    loaded: dict[str, Any] = json.loads(Path(output).read_text(encoding="utf-8"))
    return loaded


def test_results_have_every_figure_of_the_issue(results: dict[str, Any]) -> None:
    assert {
        "round_trips",
        "concurrent_reads",
        "cold_start",
        "snapstart",
        "list_page",
        "feed_page",
        "comment_writes",
        "local_api",
        "layer_mb",
        "growth",
        "wxr_import",
    } <= set(results)
    assert {"floor_ms", "functions"} <= set(results["cold_start"])
    assert {"short_bytes", "long_bytes", "ratio"} <= set(results["list_page"])
    for figures in results["local_api"].values():
        assert {"p50_ms", "p99_ms", "dynamodb_p50_ms"} <= set(figures)


def test_the_local_api_is_measured_at_1_10_and_50_clients_at_once(results: dict[str, Any]) -> None:
    routes = results["local_api_load"]["routes"]

    assert set(routes) == {"GET /posts/{slug}", "POST /posts/{slug}/comments"}
    for levels in routes.values():
        assert list(levels) == ["1", "10", "50"]
        for clients, figures in levels.items():
            assert figures["requests"] >= 2 * int(clients)
            assert figures["p50_ms"] > 0
            assert figures["dynamodb_share"] > 0
            # DynamoDB goes on with a request its client was answered a 503 for: only without failures
            # is its time a part of the clients' time.
            if not figures["failures"]:
                assert figures["dynamodb_share"] < 1
            assert all(int(status) >= 300 for status in figures["failures"])


def test_every_route_of_the_template_is_one_round_trip(
    results: dict[str, Any], template: dict[str, Any]
) -> None:
    routes = {route.route_key for route in http_routes(template)}

    assert set(results["round_trips"]) == routes
    # A second, sequential read: the comments' posts (as DESIGN.md allows), the feeds' bodies (the
    # list indexes hold summaries only); bench/round_trips.py says why for each.
    second_read = {
        "GET /comments/recent",
        "GET /comments.atom",
        "GET /feed.atom",
        "GET /feed.rss",
        "POST /admin/readers/forget",
    }
    expected = {route: 0 if route in NO_DATA else 2 if route in second_read else 1 for route in routes}
    # A post's deletion grows with its items (bench/round_trips.py says how): the bench's post, with two
    # comments, is the mark, a Query, two batches, the mark read again and the head.
    expected["DELETE /posts/{slug}"] = 6
    assert results["round_trips"] == expected
    # Each route over one round trip, with its reason: the second reads and the deletion's batches.
    assert set(results["second_reads"]) == second_read | {"DELETE /posts/{slug}"}


def test_a_comment_page_by_cursor_and_a_posts_comment_feed_read_twice_in_one_round_trip_and_say_why(
    results: dict[str, Any],
) -> None:
    reads = results["concurrent_reads"]

    assert set(reads) == {"GET /posts/{slug}/comments?cursor=", "GET /posts/{slug}/comments.atom"}
    for request in reads.values():
        assert (request["requests"], request["round_trips"]) == (2, 1)
    assert "public" in reads["GET /posts/{slug}/comments?cursor="]["reason"]
    assert "body" in reads["GET /posts/{slug}/comments.atom"]["reason"]


def test_one_query_page_holds_fewer_of_the_largest_posts_than_a_post_feed_shows(
    results: dict[str, Any],
) -> None:
    page = results["feed_page"]

    assert page["feed_entries"] == 20
    for kind in ("text", "markup"):
        largest = page[kind]
        assert largest["entry_bytes"] > largest["html_bytes"] > 0
        assert largest["per_query_page"] == page["query_page_bytes"] // largest["entry_bytes"]
        assert largest["per_query_page"] < page["feed_entries"]


def test_every_function_has_a_cold_start(
    results: dict[str, Any], lambda_functions: dict[str, FunctionDefinition]
) -> None:
    folders = {f.folder_name for f in lambda_functions.values()}

    assert set(results["cold_start"]["functions"]) == folders
    for figures in results["cold_start"]["functions"].values():
        assert figures["ms"] > 0


def test_the_signing_secrets_first_read_is_measured_and_only_signing_functions_read_it(
    results: dict[str, Any],
) -> None:
    secret = results["cold_start"]["signing_secret"]

    assert 0 < secret["import_ms"] < secret["ms"]
    # Each reads it on first need: submit_comment always hashes the client's address; the others
    # only when their answer has a next page.
    assert "submit_comment" in secret["read_by"]
    assert set(secret["read_by"]) <= {
        "list_posts",
        "get_post",
        "submit_comment",
        "moderate_comments",
        "review_posts",
        "mail_actions",
        "notify",
        "reader_data",
    }


def test_a_cold_start_from_a_layer_without_bytecode_is_measured(results: dict[str, Any]) -> None:
    cold = results["cold_start"]
    source_only = cold["layer_without_bytecode"]

    assert source_only["function"] in cold["functions"]
    assert source_only["ms"] > 0


def test_the_lazy_imports_reference_skips_what_the_event_handler_imports_whole() -> None:
    loaded_after = (
        "import sys, lazy_powertools, framework; "
        "print(' '.join(name for name in sys.modules if name.startswith('aws_lambda_powertools')))"
    )
    finished = subprocess.run(  # noqa: S603 (this interpreter, this project's reference processes)
        [sys.executable, "-c", loaded_after],
        cwd=PROJECT_ROOT / "bench" / "references",
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT / "bench" / "references")},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    loaded = set(finished.stdout.split())

    assert "aws_lambda_powertools.event_handler.api_gateway" in loaded
    assert "aws_lambda_powertools.utilities.data_classes.api_gateway_proxy_event" in loaded
    assert "aws_lambda_powertools.event_handler.appsync" not in loaded
    assert "aws_lambda_powertools.utilities.data_classes.code_pipeline_job_event" not in loaded


def test_a_list_page_does_not_grow_with_the_posts_bodies(results: dict[str, Any]) -> None:
    assert results["list_page"]["ratio"] <= 1.1


def test_a_comment_writes_the_same_bytes_on_a_1_kb_and_a_200_kb_post(results: dict[str, Any]) -> None:
    writes = results["comment_writes"]

    assert writes["short"]["post_bytes"] < 2_000
    assert writes["long"]["post_bytes"] > 190_000
    assert writes["ratio"] <= 1.1
    # The comment, the head's new count and each index's copy of them are counted.
    assert {"comment", "post head", "Visible: comment", "Visible: post head"} <= set(writes["long"]["parts"])


def test_the_local_api_is_measured_on_the_three_public_routes(results: dict[str, Any]) -> None:
    assert set(results["local_api"]) == {"GET /posts", "GET /posts/{slug}", "POST /posts/{slug}/comments"}


def test_the_growth_curve_reads_one_page_whatever_the_size(results: dict[str, Any]) -> None:
    by_posts = results["growth"]["posts"]
    largest, smallest = by_posts[max(by_posts, key=int)], by_posts[min(by_posts, key=int)]

    # A post read is the same bytes however many other posts there are.
    assert largest["get"]["response_bytes"] == smallest["get"]["response_bytes"]


def test_the_wordpress_import_is_measured(results: dict[str, Any]) -> None:
    found = results["wxr_import"]

    assert (found["posts"], found["comments"]) == (20, 200)
    assert found["seconds"] > 0
    assert found["peak_mb"] >= found["floor_mb"] > 0


def test_every_function_has_a_first_request_after_a_simulated_restore(
    results: dict[str, Any], lambda_functions: dict[str, FunctionDefinition]
) -> None:
    snap = results["snapstart"]
    folders = {f.folder_name for f in lambda_functions.values()}

    assert set(snap["functions"]) == folders
    for figures in snap["functions"].values():
        assert figures["restored_ms"] > 0
        assert figures["warm_p50_ms"] > 0
        assert figures["unprimed_ms"] > 0
        # The restored child copies the pages it first writes; the warm parent owns its pages.
        assert figures["page_faults"] > figures["warm_page_faults"]
        assert figures["dynamodb_ms"] > 0
        assert figures["warm_dynamodb_p50_ms"] > 0
    assert results["targets"]["snapstart"] == all(f["ratio"] <= 1.5 for f in snap["functions"].values())


def test_the_import_benchmark_runs() -> None:
    result = measure(posts=20, comments=200)

    assert result.posts == 20
    assert result.comments == 200
    assert result.seconds > 0
    assert result.peak_mb > result.floor_mb > 0
    # moto's tables outlive its server within a process: the benchmark leaves none behind.
    with embedded_dynamodb() as endpoint:
        assert not [name for name in dynamodb_client(endpoint).list_tables()["TableNames"] if "wxr" in name]
