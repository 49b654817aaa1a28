"""template.yaml holds what docs/DESIGN.md describes: parameters, table, layer, API and functions."""

import fnmatch
import importlib.metadata
import re
import time
from datetime import UTC, datetime
from typing import Any

import pytest

from blog.settings import FeedSettings, Settings
from blog.store import BlogStore
from local.template import FUNCTION_TYPE, PROJECT_ROOT, http_routes
from tests.conftest import resources_of_type
from tests.unit.test_expressions import RecordingClient

HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}
READ_ONLY_FUNCTIONS = {"ListPostsFunction", "GetPostFunction", "FeedsFunction", "ReviewPostsFunction"}
READ_ACTIONS = {"dynamodb:Query", "dynamodb:GetItem", "dynamodb:BatchGetItem"}
SUMMARY_FIELDS = {"slug", "title", "excerpt", "author", "category", "tags", "updated_at", "comment_count"}


def policy_statements(function):
    """Every statement of the function's policies; of a policy under a condition (`Fn::If`, the other
    branch `AWS::NoValue`), the statements it has when the condition holds."""
    policies = [policy.get("Fn::If", [None, policy])[1] for policy in function["Properties"]["Policies"]]
    return [statement for policy in policies for statement in policy["Statement"]]


def table_statements(function):
    """The statements about the table (tests/template/test_signing_secret.py checks the others)."""
    return [
        statement
        for statement in policy_statements(function)
        if all(action.startswith("dynamodb:") for action in as_set(statement["Action"]))
    ]


def as_set(action):
    return {action} if isinstance(action, str) else set(action)


def test_the_table_keeps_its_data(template):
    table = template["Resources"]["BlogTable"]
    properties = table["Properties"]

    assert table["DeletionPolicy"] == "Retain"
    assert table["UpdateReplacePolicy"] == "Retain"
    assert properties["BillingMode"] == "PAY_PER_REQUEST"
    assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert properties["SSESpecification"]["SSEEnabled"] is True
    assert properties["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}


def test_the_list_indexes_project_summaries_and_never_bodies(template):
    indexes = {
        i["IndexName"]: i for i in template["Resources"]["BlogTable"]["Properties"]["GlobalSecondaryIndexes"]
    }

    for name in ("PublishedPosts", "PostsByCategory"):
        projection = indexes[name]["Projection"]
        assert projection["ProjectionType"] == "INCLUDE"
        assert set(projection["NonKeyAttributes"]) >= SUMMARY_FIELDS
        assert not {"content", "content_html"} & set(projection["NonKeyAttributes"])
    assert indexes["PendingComments"]["KeySchema"][0]["AttributeName"] == "pending_pk"


def test_functions_run_python_313_on_arm64_from_their_folder(template):
    globals_ = template["Globals"]["Function"]
    assert globals_["Runtime"] == "python3.13"
    assert globals_["Architectures"] == ["arm64"]
    assert globals_["Layers"] == [{"Ref": "BlogLayer"}]

    for name, function in resources_of_type(template, FUNCTION_TYPE).items():
        code_uri = function["Properties"]["CodeUri"]
        handler = function["Properties"].get("Handler", globals_["Handler"])
        module_file = PROJECT_ROOT / code_uri / (handler.rsplit(".", 1)[0] + ".py")
        assert module_file.is_file(), name
        assert handler.endswith("app.lambda_handler")


def test_the_layer_holds_the_blog_package_at_opt_python(template):
    layer = template["Resources"]["BlogLayer"]

    assert layer["Properties"]["ContentUri"] == "layers/blog/"
    assert layer["Metadata"] == {"BuildMethod": "makefile", "BuildArchitecture": "arm64"}
    assert "build-BlogLayer:" in (PROJECT_ROOT / "layers/blog/Makefile").read_text()
    assert layer["Properties"]["CompatibleArchitectures"] == ["arm64"]
    assert (PROJECT_ROOT / "layers/blog/blog/__init__.py").is_file()
    assert not (PROJECT_ROOT / "layers/blog/python").exists()


def test_the_layer_pins_its_requirements_as_installed_and_never_boto3():
    lines = (PROJECT_ROOT / "layers/blog/requirements.txt").read_text().splitlines()
    pins = dict(re.findall(r"^([a-z0-9-]+)==([^ ]+)", "\n".join(lines), re.MULTILINE))

    assert {"aws-lambda-powertools", "pydantic", "nh3", "markdown-it-py"} <= set(pins)
    assert not {"boto3", "botocore", "s3transfer"} & set(pins)
    for name, version in pins.items():
        assert importlib.metadata.version(name) == version, name


def test_read_only_functions_can_only_read(template):
    for name in READ_ONLY_FUNCTIONS:
        statements = policy_statements(template["Resources"][name])
        # Two statements read the signing secret; the feeds sign and hash nothing, so have none.
        secret_statements = 0 if name == "FeedsFunction" else 2
        assert len(table_statements(template["Resources"][name])) == len(statements) - secret_statements, name
        for statement in table_statements(template["Resources"][name]):
            assert statement["Action"] in READ_ACTIONS, name


def test_the_post_reader_may_get_what_a_comment_page_reads_of_a_post_and_no_more(template):
    """The GetItem a later comment page makes fits the policy's fine-grained conditions."""
    client = RecordingClient()
    BlogStore(client, "blog").read_thread("post", limit=5, after={"id": "01ABCDEFGHJKMNPQ"})  # type: ignore[arg-type]
    (get_item,) = [request for request in client.requests if "Key" in request]
    (statement,) = [
        statement
        for statement in table_statements(template["Resources"]["GetPostFunction"])
        if statement["Action"] == "dynamodb:GetItem"
    ]
    condition = statement["Condition"]
    allowed = condition["ForAllValues:StringEquals"]["dynamodb:Attributes"]
    (leading,) = condition["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]

    assert statement["Resource"] == {"Fn::GetAtt": ["BlogTable", "Arn"]}
    assert set(get_item["ProjectionExpression"].split(", ")) <= set(allowed) - {"pk", "sk"}
    assert {"pk", "sk"} <= set(allowed)  # fine-grained access lists the key attributes too
    assert fnmatch.fnmatchcase(get_item["Key"]["pk"]["S"], leading)
    assert leading != "*"
    assert condition["StringEqualsIfExists"] == {"dynamodb:Select": "SPECIFIC_ATTRIBUTES"}


def test_the_feeds_may_get_what_a_posts_comment_feed_reads_of_the_post_and_no_more(template):
    """The GetItem of a post's comment feed fits the policy's fine-grained conditions."""
    client = RecordingClient()
    BlogStore(client, "blog").read_comment_feed("post")  # type: ignore[arg-type]
    (get_item,) = [request for request in client.requests if "Key" in request]
    (statement,) = [
        statement
        for statement in table_statements(template["Resources"]["FeedsFunction"])
        if statement["Action"] == "dynamodb:GetItem"
    ]
    condition = statement["Condition"]
    allowed = condition["ForAllValues:StringEquals"]["dynamodb:Attributes"]
    (leading,) = condition["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]
    names = get_item["ExpressionAttributeNames"]
    projected = {names[name] for name in get_item["ProjectionExpression"].split(", ")}

    assert statement["Resource"] == {"Fn::GetAtt": ["BlogTable", "Arn"]}
    assert projected <= set(allowed) - {"pk", "sk"}
    assert {"pk", "sk"} <= set(allowed)
    assert fnmatch.fnmatchcase(get_item["Key"]["pk"]["S"], leading)
    assert leading != "*"
    assert condition["StringEqualsIfExists"] == {"dynamodb:Select": "SPECIFIC_ATTRIBUTES"}


@pytest.mark.parametrize(
    ("function", "read"),
    [
        ("ListPostsFunction", "read_post_heads"),
        ("FeedsFunction", "read_post_heads"),
        ("FeedsFunction", "read_post_bodies"),
    ],
)
def test_readers_may_batch_get_what_they_read_of_posts_and_no_more(template, function, read):
    """The BatchGetItems of comment counts, recent comments and feeds fit the policies' conditions."""
    client = RecordingClient()
    getattr(BlogStore(client, "blog"), read)(["eins", "zwei"])  # type: ignore[arg-type]
    ((table, request),) = client.requests[0]["RequestItems"].items()
    (statement,) = [
        statement
        for statement in policy_statements(template["Resources"][function])
        if statement["Action"] == "dynamodb:BatchGetItem"
    ]
    condition = statement["Condition"]
    allowed = condition["ForAllValues:StringEquals"]["dynamodb:Attributes"]
    (leading,) = condition["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]
    names = request["ExpressionAttributeNames"]
    projected = {names[name] for name in request["ProjectionExpression"].split(", ")}

    assert table == "blog"
    assert statement["Resource"] == {"Fn::GetAtt": ["BlogTable", "Arn"]}
    assert projected <= set(allowed)
    assert {"pk", "sk"} <= set(allowed)
    assert all(fnmatch.fnmatchcase(key["pk"]["S"], leading) for key in request["Keys"])
    assert condition["StringEqualsIfExists"] == {"dynamodb:Select": "SPECIFIC_ATTRIBUTES"}


def test_the_approved_comments_index_is_sparse_and_never_projects_an_email(template):
    (index,) = [
        i
        for i in template["Resources"]["BlogTable"]["Properties"]["GlobalSecondaryIndexes"]
        if i["IndexName"] == "ApprovedComments"
    ]

    assert [key["AttributeName"] for key in index["KeySchema"]] == ["approved_pk", "created_at"]
    assert index["Projection"]["ProjectionType"] == "INCLUDE"
    assert not {"author_email", "content", "client"} & set(index["Projection"]["NonKeyAttributes"])


def test_the_drafts_index_lists_summaries_by_their_last_change(template):
    (index,) = [
        i
        for i in template["Resources"]["BlogTable"]["Properties"]["GlobalSecondaryIndexes"]
        if i["IndexName"] == "Drafts"
    ]
    (published,) = [
        i
        for i in template["Resources"]["BlogTable"]["Properties"]["GlobalSecondaryIndexes"]
        if i["IndexName"] == "PublishedPosts"
    ]

    assert [key["AttributeName"] for key in index["KeySchema"]] == ["draft_pk", "updated_at"]
    # What the list shows of a post is what the public list projects (a draft has no published_at).
    assert set(index["Projection"]["NonKeyAttributes"]) == set(
        published["Projection"]["NonKeyAttributes"]
    ) - {"updated_at"}


def test_the_post_deleter_may_invoke_only_itself(template):
    function = template["Resources"]["DeletePostFunction"]
    (invoke,) = [s for s in policy_statements(function) if s["Action"] == "lambda:InvokeFunction"]
    name = function["Properties"]["FunctionName"]["Fn::Sub"]

    assert invoke["Resource"]["Fn::Sub"].endswith(f":function:{name}:live")
    assert function["Properties"]["Timeout"] < 30  # the HTTP API waits 30 s at most


class DeletingClient:
    """Stands for DynamoDB in a post's deletion: the head marked, one comment naming its duplicate
    guard and idempotency record; records the action and the partition key of every request."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str]] = []
        self._mark: dict[str, Any] = {}

    def update_item(self, **request: Any) -> dict[str, Any]:
        self.requests.append(("dynamodb:UpdateItem", request["Key"]["pk"]["S"]))
        self._mark = request["ExpressionAttributeValues"][":now"]
        return {}

    def get_item(self, **request: Any) -> dict[str, Any]:
        self.requests.append(("dynamodb:GetItem", request["Key"]["pk"]["S"]))
        return {"Item": {"deleting_since": self._mark}}

    def query(self, **request: Any) -> dict[str, Any]:
        self.requests.append(("dynamodb:Query", request["ExpressionAttributeValues"][":pk"]["S"]))
        comment = {
            "pk": "POST#weg",
            "sk": "COMMENT#01ABCDEFGHJKMNPQ",
            "guard_pk": "DUPLICATE#guard",
            "idempotency_pk": "IDEMPOTENCY#record",
        }
        return {"Items": [{name: {"S": value} for name, value in comment.items()}]}

    def batch_write_item(self, **request: Any) -> dict[str, Any]:
        for requests in request["RequestItems"].values():
            for delete in requests:
                self.requests.append(("dynamodb:BatchWriteItem", delete["DeleteRequest"]["Key"]["pk"]["S"]))
        return {}

    def delete_item(self, **request: Any) -> dict[str, Any]:
        self.requests.append(("dynamodb:DeleteItem", request["Key"]["pk"]["S"]))
        return {}


def test_the_post_deleter_may_touch_only_posts_and_what_their_comments_name(template):
    client = DeletingClient()
    BlogStore(client, "blog").delete_post("weg", now=datetime.now(UTC), deadline=time.monotonic() + 10)  # type: ignore[arg-type]
    (statement,) = [
        statement
        for statement in table_statements(template["Resources"]["DeletePostFunction"])
        if "dynamodb:BatchWriteItem" in as_set(statement["Action"])
    ]
    leading = statement["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]

    assert {action for action, _ in client.requests} == as_set(statement["Action"])
    assert {pk.split("#")[0] for _, pk in client.requests} == {"POST", "DUPLICATE", "IDEMPOTENCY"}
    for action, pk in client.requests:
        assert any(fnmatch.fnmatchcase(pk, pattern) for pattern in leading), (action, pk)
    assert "*" not in leading


def test_only_the_feeds_function_has_the_feed_layer_and_its_settings(lambda_functions):
    feed_variables = {field.alias for field in FeedSettings.model_fields.values()}

    for name, function in lambda_functions.items():
        has_feeds = name == "FeedsFunction"
        assert (PROJECT_ROOT / "layers" / "feeds" in function.layer_dirs) is has_feeds, name
        assert (feed_variables <= set(function.environment)) is has_feeds, name
    FeedSettings.model_validate(lambda_functions["FeedsFunction"].environment)


def test_writers_get_only_the_actions_they_use(template):
    expected = {
        "SubmitCommentFunction": {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:ConditionCheckItem"},
        "ModerateCommentsFunction": {"dynamodb:Query", "dynamodb:UpdateItem", "dynamodb:DeleteItem"},
        "AutoCloseFunction": {"dynamodb:Query", "dynamodb:UpdateItem"},
        "CloseThreadFunction": {"dynamodb:UpdateItem"},
        "ManagePostsFunction": {"dynamodb:PutItem", "dynamodb:UpdateItem"},
        "ReaderDataFunction": {"dynamodb:Query", "dynamodb:UpdateItem", "dynamodb:DeleteItem"},
        "MailActionsFunction": {"dynamodb:UpdateItem", "dynamodb:DeleteItem"},
        "DeletePostFunction": {
            "dynamodb:UpdateItem",
            "dynamodb:DeleteItem",
            "dynamodb:GetItem",
            "dynamodb:Query",
            "dynamodb:BatchWriteItem",
        },
    }
    for name, actions in expected.items():
        granted = set()
        for statement in table_statements(template["Resources"][name]):
            granted |= as_set(statement["Action"])
        assert granted == actions, name


def test_admin_routes_need_iam_and_public_routes_do_not(template):
    routes = {route.route_key: route for route in http_routes(template)}

    assert {key for key, route in routes.items() if route.iam_auth} == {
        "POST /posts/{slug}/close",
        "POST /posts/{slug}/reopen",
        "PUT /posts/{slug}",
        "GET /comments",
        "POST /posts/{slug}/comments/{comment_id}/approve",
        "POST /posts/{slug}/comments/{comment_id}/spam",
        "DELETE /posts/{slug}/comments/{comment_id}",
        "GET /admin/posts",
        "GET /admin/posts/{slug}",
        "DELETE /posts/{slug}",
        "POST /admin/readers/data",
        "POST /admin/readers/forget",
    }
    assert routes["GET /openapi.json"].function_id == "GetPostFunction"
    assert routes["GET /posts/{slug}/comments"].function_id == "GetPostFunction"


def test_cors_allows_the_origin_parameter_and_the_headers_the_routes_need(template):
    cors = template["Resources"]["BlogApi"]["Properties"]["CorsConfiguration"]

    assert cors["AllowOrigins"] == [{"Ref": "AllowedOrigin"}]
    assert {"GET", "POST", "PUT"} <= set(cors["AllowMethods"])
    assert {
        "content-type",
        "idempotency-key",
        "if-none-match",
        "authorization",
        "x-amz-date",
        "x-amz-security-token",
        "x-amz-content-sha256",
    } <= set(cors["AllowHeaders"])
    assert {"etag", "location", "retry-after"} <= set(cors["ExposeHeaders"])


def test_stage_throttling_comes_from_the_parameters(template):
    settings = template["Resources"]["BlogApi"]["Properties"]["DefaultRouteSettings"]

    assert settings == {
        "ThrottlingRateLimit": {"Ref": "ThrottlingRateLimit"},
        "ThrottlingBurstLimit": {"Ref": "ThrottlingBurstLimit"},
    }


def test_every_variable_the_functions_read_is_declared(lambda_functions):
    # The one optional variable, SIGNING_SECRET_ARN, only the functions that sign have
    # (tests/template/test_signing_secret.py).
    read = {field.alias for field in Settings.model_fields.values() if field.is_required()}

    for function in lambda_functions.values():
        assert read <= set(function.environment), function.logical_id
        Settings.model_validate(function.environment)


def test_the_handlers_serve_exactly_the_routes_of_the_template(
    template, lambda_functions, function_environment
):
    declared = {(route.function_id, route.method, route.path) for route in http_routes(template)}
    served = set()
    for logical_id, function in lambda_functions.items():
        if logical_id not in {function_id for function_id, _, _ in declared}:
            continue  # not behind the HTTP API (the scheduled auto-close)
        paths = function.load_module().app.get_openapi_schema().paths or {}
        for path, operations in paths.items():
            for method in operations.model_dump(exclude_none=True).keys() & HTTP_METHODS:
                served.add((logical_id, method.upper(), path))

    assert served == declared


def test_outputs_name_the_api_url_and_the_table(template):
    assert {"ApiUrl", "TableName"} <= set(template["Outputs"])
