"""SnapStart priming (blog.priming): every function primes every route it serves before its
snapshot, through its resolver, against a DynamoDB client answered in the process: nothing written,
no metric published, the hooks registered only where Lambda's runtime provides them."""

import gc
import importlib.util
import random
import sys
import types
from collections import defaultdict
from http import HTTPStatus
from typing import Any

import pytest

from local.template import FunctionDefinition, http_routes

# blog is imported by the tests, not here: Powertools reads its settings from the environment the
# function_environment fixture sets when blog.telemetry is first imported.


def _routes_by_function(template: dict[str, Any]) -> dict[str, set[str]]:
    routes = defaultdict(set)
    for route in http_routes(template):
        routes[route.function_id].add(route.route_key)
    return routes


def test_every_function_primes_every_route_it_serves(template, lambda_functions, dynamodb):
    from blog import priming

    served = _routes_by_function(template)

    for logical_id, function in lambda_functions.items():
        primer = getattr(function.load_module(), "primer", None)

        assert isinstance(primer, priming.Primer), f"{logical_id} declares no primer"
        assert primer.route_keys == served.get(logical_id, set()), logical_id


@pytest.fixture
def unreachable_dynamodb(function_environment, monkeypatch):
    """DynamoDB at an address where nothing listens: a request that left the process would fail."""
    from blog import store

    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:9")
    store.dynamodb_client.cache_clear()
    yield
    store.dynamodb_client.cache_clear()


def test_no_synthetic_request_leaves_the_process(lambda_functions, unreachable_dynamodb):
    # Not against moto: its in-process hook would run each request as well (botocore calls every
    # before-send handler), where on Lambda nothing else would send it.
    for logical_id, function in lambda_functions.items():
        statuses = function.load_module().primer.run()

        assert statuses, logical_id
        for route, status in statuses.items():
            assert status < HTTPStatus.BAD_REQUEST, f"{logical_id}: {route} answered {status}"


def test_a_primed_comment_is_not_counted_by_the_first_real_request(lambda_functions, unreachable_dynamodb):
    from blog.telemetry import metrics

    (submit,) = (f for f in lambda_functions.values() if f.folder_name == "submit_comment")

    submit.load_module().primer.run()

    assert metrics.metric_set == {}
    assert metrics.metadata_set == {}


@pytest.fixture
def snapshot_runtime(monkeypatch):
    """Lambda's `snapshot_restore_py`, recording the hooks registered with it."""
    hooks: dict[str, list[Any]] = {"before_snapshot": [], "after_restore": []}
    module = types.ModuleType("snapshot_restore_py")
    module.register_before_snapshot = hooks["before_snapshot"].append
    module.register_after_restore = hooks["after_restore"].append
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", module)
    yield hooks
    gc.unfreeze()  # what a before-snapshot hook froze is this test process's, not a snapshot's


def _import_fresh(function: FunctionDefinition) -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(f"fresh_{function.logical_id}", function.module_path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_on_lambda_every_handler_registers_its_priming_and_the_reseed(
    snapshot_runtime, lambda_functions, unreachable_dynamodb
):
    from blog import priming

    for logical_id, function in lambda_functions.items():
        snapshot_runtime["before_snapshot"].clear()
        snapshot_runtime["after_restore"].clear()

        _import_fresh(function)

        assert len(snapshot_runtime["before_snapshot"]) == 1, logical_id
        assert snapshot_runtime["after_restore"] == [priming.reseed], logical_id


def test_priming_the_openapi_route_registers_no_other_handlers_priming(
    snapshot_runtime, lambda_functions, unreachable_dynamodb
):
    (get_post,) = (f for f in lambda_functions.values() if f.folder_name == "get_post")
    _import_fresh(get_post)

    # GET /openapi.json imports every handler: theirs must not register in this function.
    snapshot_runtime["before_snapshot"][0]()

    assert len(snapshot_runtime["before_snapshot"]) == 1


def test_nothing_init_made_is_visited_by_a_collection_after_the_restore(
    snapshot_runtime, lambda_functions, unreachable_dynamodb
):
    (get_post,) = (f for f in lambda_functions.values() if f.folder_name == "get_post")
    handler = _import_fresh(get_post)

    snapshot_runtime["before_snapshot"][0]()

    # A collection visits the objects of generations 0 to 2; a frozen one is in none of them, so
    # no collection after the restore makes Lambda load its page of the snapshot.
    assert not any(tracked is handler.app for tracked in gc.get_objects())


def test_after_priming_every_request_reaches_dynamodb(lambda_functions, api, publish):
    for function in lambda_functions.values():
        function.load_module().primer.run()

    publish("nach-dem-priming", title="Nach dem Priming")
    answer = api.get("/posts/nach-dem-priming")

    assert answer.status == HTTPStatus.OK
    assert answer.json()["title"] == "Nach dem Priming"


def test_environments_restored_from_one_snapshot_draw_different_random_numbers():
    from blog import priming

    random.seed(20260101)
    first_environment = random.random()  # noqa: S311 (the generator under test)
    random.seed(20260101)

    priming.reseed()

    assert random.random() != first_environment  # noqa: S311


def test_a_failing_primer_does_not_fail_the_snapshot(snapshot_runtime, lambda_functions, monkeypatch):
    from blog import priming

    (list_posts,) = (f for f in lambda_functions.values() if f.folder_name == "list_posts")
    _import_fresh(list_posts)

    def broken(*_: Any, **__: Any) -> None:
        raise RuntimeError("no settings")

    monkeypatch.setattr(priming, "_fetch_configuration", broken)

    snapshot_runtime["before_snapshot"][0]()


def test_a_route_with_a_path_parameter_priming_has_no_sample_for_is_refused():
    from blog import priming

    request = priming.SyntheticRequest("GET", "/tags/{tag}")

    with pytest.raises(ValueError, match="tag"):
        request.event()


def test_a_function_that_signs_has_the_signing_secret_in_its_snapshot(
    lambda_functions, unreachable_dynamodb, monkeypatch
):
    from blog import keys

    reads = []
    read_secret = keys.read_signing_secret
    monkeypatch.setattr(keys, "read_signing_secret", lambda: reads.append(1) or read_secret())
    keys.key_ring.cache_clear()
    (list_posts,) = (f for f in lambda_functions.values() if f.folder_name == "list_posts")

    list_posts.load_module().primer.run()
    primed_reads = len(reads)
    keys.key_ring().signing_key(keys.CURSOR)  # what the first request that signs a cursor does

    assert primed_reads == 1
    assert len(reads) == 1
    keys.key_ring.cache_clear()
