"""The committed OpenAPI document: current, named for generated clients, secured as the template
routes are, with info from the project, and examples its own schemas accept."""

import copy
import json
import re
import tomllib
from typing import Any

import pytest
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]  # (schemathesis brings it, without stubs)

from local.template import PROJECT_ROOT, http_routes
from tools.openapi import COMMITTED_DOCUMENT, operations

OPERATION_IDS = {
    "listPosts",
    "getPost",
    "listComments",
    "submitComment",
    "closeThread",
    "reopenThread",
    "putPost",
    "listPendingComments",
    "approveComment",
    "markCommentAsSpam",
    "deleteComment",
    "getOpenApiDocument",
    "getCommentCounts",
    "getRecentComments",
    "getPostsAtomFeed",
    "getPostsRssFeed",
    "getPostCommentsAtomFeed",
    "getCommentsAtomFeed",
    "exportReaderData",
    "forgetReader",
    "showMailAction",
    "carryOutMailAction",
    "listEditorialPosts",
    "previewPost",
    "deletePost",
}
"""What generated clients name their functions after: renaming one breaks every client."""
CAMEL_CASE = re.compile(r"^[a-z]+(?:[A-Z][a-z]+)*$")


def test_the_committed_document_is_the_one_the_handlers_make(function_environment: dict[str, str]) -> None:
    # Imported here, in the functions' environment: it imports every handler.
    from tools.openapi.document import generate_document

    committed = COMMITTED_DOCUMENT.read_text(encoding="utf-8")

    assert committed == generate_document(), (
        f"{COMMITTED_DOCUMENT.relative_to(PROJECT_ROOT)} differs from the handlers' routes: "
        "run `make openapi` and commit the result"
    )


def test_every_operation_has_a_stable_camel_case_id_a_defined_tag_a_summary_and_a_description(
    document: dict[str, Any],
) -> None:
    defined_tags = {tag["name"] for tag in document["tags"]}
    found = operations(document)

    assert {operation["operationId"] for operation in found} == OPERATION_IDS
    for operation in found:
        name = operation["operationId"]
        assert CAMEL_CASE.fullmatch(name), name
        assert len(operation["tags"]) == 1, name
        assert set(operation["tags"]) <= defined_tags, name
        assert operation["summary"].strip(), name
        assert operation["description"].strip(), name


def test_public_operations_need_no_signature_and_admin_ones_need_sigv4(
    document: dict[str, Any], template: dict[str, Any]
) -> None:
    schemes = document["components"]["securitySchemes"]

    for route in http_routes(template):
        operation = document["paths"][route.path][route.method.lower()]
        if route.iam_auth:
            assert operation["security"] == [{"sigv4": []}], route.route_key
            assert set(operation["security"][0]) <= set(schemes)
            assert "403" in operation["responses"], route.route_key
        else:
            assert operation["security"] == [], route.route_key


def test_info_names_the_projects_version_license_and_a_contact(document: dict[str, Any]) -> None:
    with (PROJECT_ROOT / "pyproject.toml").open("rb") as pyproject:
        project = tomllib.load(pyproject)["project"]

    info = document["info"]
    assert info["version"] == project["version"]
    assert info["license"]["identifier"] == project["license"]
    assert info["contact"]["name"]


def _examples(document: dict[str, Any]) -> dict[str, tuple[dict[str, Any], Any]]:
    """Every example of every request and answer, by operation, place and name: (schema, value)."""
    found = {}
    for operation in operations(document):
        media_types = [("request", m) for m in operation.get("requestBody", {}).get("content", {}).values()]
        for status, response in operation["responses"].items():
            media_types += [(status, m) for m in response.get("content", {}).values()]
        for where, media_type in media_types:
            for name, example in media_type.get("examples", {}).items():
                found[f"{operation['operationId']} {where} {name}"] = (media_type["schema"], example["value"])
    return found


def _validator(document: dict[str, Any], schema: dict[str, Any]) -> Draft202012Validator:
    # The schema's $refs (#/components/schemas/...) resolve against its root: the components go there.
    return Draft202012Validator({**schema, "components": document["components"]})


EXAMPLES = _examples(json.loads(COMMITTED_DOCUMENT.read_text(encoding="utf-8")))


@pytest.mark.parametrize("where", sorted(EXAMPLES))
def test_each_example_is_valid_against_its_schema(document: dict[str, Any], where: str) -> None:
    schema, value = EXAMPLES[where]

    errors = [error.message for error in _validator(document, schema).iter_errors(value)]

    assert errors == [], where


def test_an_example_its_schema_refuses_is_found(document: dict[str, Any]) -> None:
    schema, value = EXAMPLES["submitComment request comment"]
    broken = copy.deepcopy(value)
    del broken["author_name"]

    assert not _validator(document, schema).is_valid(broken)


def test_the_examples_show_german_text_as_it_is(document: dict[str, Any]) -> None:
    text = json.dumps([value for _, value in EXAMPLES.values()], ensure_ascii=False)

    assert "ü" in text
    assert "„" in text
    assert "“" in text


def test_get_openapi_json_answers_with_the_committed_document_public_and_cached(api: Any) -> None:
    answer = api.get("/openapi.json")

    assert answer.status == 200
    assert answer.body == COMMITTED_DOCUMENT.read_text(encoding="utf-8")
    assert answer.headers["cache-control"].startswith("public, max-age=")
    assert api.get("/openapi.json", headers={"if-none-match": answer.headers["etag"]}).status == 304
