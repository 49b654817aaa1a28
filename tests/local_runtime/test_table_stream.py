"""local.table_stream: the table's stream read from moto's DynamoDB Streams API and handed to a
function as Lambda's event source mapping hands it: filters, batch size, partial batch failures,
bisection, bounded retries and the on-failure destination, and Lambda's event shape.

The function here is a stand-in that records each event and answers as scripted, so each rule of
Lambda's shows on its own; test_stream_serve.py runs the whole chain with `serve`.
"""

import copy
import json
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, cast

import pytest
from botocore.exceptions import ClientError

from local.embedded_dynamodb import (
    LocalDynamoDB,
    forget_shard_iterators,
    local_client,
    local_dynamodb,
    table_stream,
)
from local.event_filter import parse_filter_criteria
from local.table_stream import (
    BatchNotProcessed,
    OnFailureDestination,
    RawRecords,
    ShardReader,
    StreamEventSource,
    StreamMapping,
    stream_event_sources,
)
from local.template import (
    FunctionDefinition,
    LocalDeployment,
    TemplateError,
    create_table_arguments,
    load_template,
    parameter_defaults,
)
from local.workers import FunctionThrottled, Invocation, WorkerPool

STREAM = {"StreamViewType": "NEW_AND_OLD_IMAGES"}
DLQ = OnFailureDestination(name="NotifyDeadLetterQueue", kind="SQS")
STACK = LocalDeployment(parameters=parameter_defaults(load_template()))
INSERTS_ONLY = '{"dynamodb": {"OldImage": {"pk": {"S": [{"exists": false}]}}}}'
NOTIFY_EVENT: dict[str, Any] = {
    "Type": "DynamoDB",
    "Properties": {
        "Stream": {"Fn::GetAtt": ["BlogTable", "StreamArn"]},
        "StartingPosition": "TRIM_HORIZON",
        "BatchSize": 10,
        "BisectBatchOnFunctionError": True,
        "MaximumRetryAttempts": 2,
        "FunctionResponseTypes": ["ReportBatchItemFailures"],
        # INSERT records only: they have no OldImage.
        "FilterCriteria": {"Filters": [{"Pattern": INSERTS_ONLY}]},
        "DestinationConfig": {
            "OnFailure": {"Type": "SQS", "Destination": {"Fn::GetAtt": ["NotifyDeadLetterQueue", "Arn"]}}
        },
    },
}


def template_with_stream(**event_properties: Any) -> dict[str, Any]:
    """The project's template, its table with a stream and a function reading it."""
    template = copy.deepcopy(load_template())
    template["Resources"]["BlogTable"]["Properties"]["StreamSpecification"] = STREAM
    event = copy.deepcopy(NOTIFY_EVENT)
    event["Properties"].update(event_properties)
    template["Resources"]["StreamProbeFunction"] = {
        "Type": "AWS::Serverless::Function",
        "Properties": {
            "CodeUri": "functions/list_posts/",
            "Handler": "app.lambda_handler",
            "Events": {"TableStream": event},
        },
    }
    return template


@pytest.fixture(scope="module")
def database() -> Iterator[LocalDynamoDB]:
    with local_dynamodb(template_with_stream(), table_name="stream-test") as running:
        yield running


class ScriptedFunction:
    """Records each event; answers with what `answer` makes of the batch's records."""

    def __init__(self, answer: Callable[[list[dict[str, Any]]], Invocation] | None = None) -> None:
        self.events: list[dict[str, Any]] = []
        self._answer = answer or (lambda _: Invocation({}, None, None, 1.0))

    def invoke(
        self, function_id: str, event: Mapping[str, Any], timeout_seconds: float, wait_seconds: float = 0.0
    ) -> Invocation:
        assert function_id == "StreamProbeFunction"
        assert timeout_seconds == 3  # the function's own
        # A stream batch waits for a free worker rather than fail for a throttle.
        assert wait_seconds > 0
        self.events.append(json.loads(json.dumps(event)))
        return self._answer(event["Records"])

    def batches(self) -> list[list[str]]:
        """The keys (pk) of each batch the function got."""
        return [
            [record["dynamodb"]["Keys"]["pk"]["S"] for record in event["Records"]] for event in self.events
        ]


def failing(keys: set[str]) -> Callable[[list[dict[str, Any]]], Invocation]:
    """A function that raises for a batch holding any of these keys."""

    def answer(records: list[dict[str, Any]]) -> Invocation:
        if any(record["dynamodb"]["Keys"]["pk"]["S"] in keys for record in records):
            return Invocation(None, {"errorType": "RuntimeError", "errorMessage": "kaputt"}, None, 1.0)
        return Invocation(None, None, None, 1.0)

    return answer


def reporting(keys: set[str]) -> Callable[[list[dict[str, Any]]], Invocation]:
    """A function that reports the records with these keys as batchItemFailures."""

    def answer(records: list[dict[str, Any]]) -> Invocation:
        failures = [
            {"itemIdentifier": record["dynamodb"]["SequenceNumber"]}
            for record in records
            if record["dynamodb"]["Keys"]["pk"]["S"] in keys
        ]
        return Invocation({"batchItemFailures": failures}, None, None, 1.0)

    return answer


class Table:
    """A fresh table with a stream on the module's moto, and mappings reading it."""

    def __init__(self, database: LocalDynamoDB, name: str) -> None:
        self.database = database
        self.client = local_client("dynamodb", database.endpoint)
        self.client.create_table(
            TableName=name,
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, **STREAM},
        )
        self.name = name
        self.stream_arn = self.client.describe_table(TableName=name)["Table"]["LatestStreamArn"]
        self.destination: list[str] = []
        self.log: list[str] = []

    def put(self, *keys: str, **attributes: Any) -> None:
        for key in keys:
            self.client.put_item(TableName=self.name, Item={"pk": {"S": key}, **attributes})

    def mapping(self, function: ScriptedFunction, **settings: Any) -> StreamMapping:
        streams = local_client("dynamodbstreams", self.database.endpoint)
        shards = ShardReader(
            streams,
            self.stream_arn,
            records_of=RawRecords(streams).get_records,
            forget_iterators=forget_shard_iterators,
        )
        source = StreamEventSource(
            function_id="StreamProbeFunction",
            event_name="TableStream",
            starting_position=settings.pop("starting_position", "TRIM_HORIZON"),
            **settings,
        )
        return StreamMapping(
            source,
            shards,
            function,
            function_name="serverless-blog-local-stream-probe",
            timeout_seconds=3,
            log=self.log.append,
            destination_log=self.destination.append,
            retry_delay_seconds=0,
        )


@pytest.fixture
def table(database: LocalDynamoDB, request: pytest.FixtureRequest) -> Table:
    return Table(database, request.node.name.replace("[", "-").replace("]", "")[:200])


def drain(mapping: StreamMapping) -> None:
    while mapping.poll_once():
        pass


def test_the_event_has_lambdas_dynamodb_shape(table: Table) -> None:
    function = ScriptedFunction()
    table.put("POST#a", title={"S": "Grüße – „Test“"}, picture={"B": b"\x00\xff"}, count={"N": "3"})
    table.client.update_item(
        TableName=table.name,
        Key={"pk": {"S": "POST#a"}},
        UpdateExpression="SET #c = :c",
        ExpressionAttributeNames={"#c": "count"},
        ExpressionAttributeValues={":c": {"N": "4"}},
    )
    table.client.delete_item(TableName=table.name, Key={"pk": {"S": "POST#a"}})
    drain(table.mapping(function))

    ((inserted, modified, removed),) = [event["Records"] for event in function.events]
    assert set(inserted) == {
        "eventID",
        "eventName",
        "eventVersion",
        "eventSource",
        "awsRegion",
        "dynamodb",
        "eventSourceARN",
    }
    assert [inserted["eventName"], modified["eventName"], removed["eventName"]] == [
        "INSERT",
        "MODIFY",
        "REMOVE",
    ]
    assert inserted["eventSource"] == "aws:dynamodb"
    assert inserted["awsRegion"] == "us-east-1"
    assert inserted["eventSourceARN"] == table.stream_arn
    dynamodb = inserted["dynamodb"]
    assert set(dynamodb) == {
        "ApproximateCreationDateTime",
        "Keys",
        "NewImage",
        "SequenceNumber",
        "SizeBytes",
        "StreamViewType",
    }
    assert dynamodb["Keys"] == {"pk": {"S": "POST#a"}}
    assert dynamodb["NewImage"]["title"] == {"S": "Grüße – „Test“"}
    assert dynamodb["NewImage"]["picture"] == {"B": "AP8="}  # base64, as in Lambda's event
    assert dynamodb["NewImage"]["count"] == {"N": "3"}
    assert isinstance(dynamodb["ApproximateCreationDateTime"], int)  # whole seconds
    assert dynamodb["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert modified["dynamodb"]["OldImage"]["count"] == {"N": "3"}
    assert modified["dynamodb"]["NewImage"]["count"] == {"N": "4"}
    assert "NewImage" not in removed["dynamodb"]
    assert int(removed["dynamodb"]["SequenceNumber"]) > int(dynamodb["SequenceNumber"])


def test_records_come_in_batches_of_at_most_batch_size_in_stream_order(table: Table) -> None:
    function = ScriptedFunction()
    keys = [f"K{number:02d}" for number in range(7)]
    table.put(*keys)
    drain(table.mapping(function, batch_size=3))
    assert function.batches() == [keys[0:3], keys[3:6], keys[6:7]]


def test_records_the_filters_do_not_match_never_reach_the_function(table: Table) -> None:
    function = ScriptedFunction()
    table.put("POST#1", "COMMENT#1", "POST#2", "COMMENT#2")
    table.client.delete_item(TableName=table.name, Key={"pk": {"S": "COMMENT#1"}})
    filters = parse_filter_criteria(
        {
            "Filters": [
                {
                    "Pattern": json.dumps(
                        {
                            "$or": [
                                {"dynamodb": {"Keys": {"pk": {"S": [{"prefix": "COMMENT#"}]}}}},
                                # A REMOVE: no NewImage.
                                {"dynamodb": {"NewImage": {"pk": {"S": [{"exists": False}]}}}},
                            ]
                        }
                    )
                }
            ]
        }
    )
    drain(table.mapping(function, filters=filters))
    assert function.batches() == [["COMMENT#1", "COMMENT#2", "COMMENT#1"]]
    assert [record["eventName"] for record in function.events[0]["Records"]] == ["INSERT", "INSERT", "REMOVE"]


def test_a_partial_batch_failure_retries_from_the_first_failed_record(table: Table) -> None:
    failed_once: set[str] = set()

    def answer(records: list[dict[str, Any]]) -> Invocation:
        keys = [record["dynamodb"]["Keys"]["pk"]["S"] for record in records]
        fail_now = {key for key in ("C", "E") if key in keys and key not in failed_once}
        failed_once.update(fail_now)
        return reporting(fail_now)(records)

    function = ScriptedFunction(answer)
    table.put("A", "B", "C", "D", "E")
    drain(table.mapping(function, report_batch_item_failures=True, maximum_retry_attempts=3))
    # The lowest failure (C) is where the retry starts: C, D and E again, E failing too.
    assert function.batches() == [["A", "B", "C", "D", "E"], ["C", "D", "E"]]
    assert table.destination == []


def test_without_report_batch_item_failures_the_answer_is_ignored(table: Table) -> None:
    function = ScriptedFunction(reporting({"B"}))
    table.put("A", "B", "C")
    drain(table.mapping(function))
    assert function.batches() == [["A", "B", "C"]]


@pytest.mark.parametrize(
    "answer",
    [
        {"batchItemFailures": [{"itemIdentifier": ""}]},
        {"batchItemFailures": [{"itemIdentifier": None}]},
        {"batchItemFailures": [{"sequenceNumber": "1"}]},
        {"batchItemFailures": [{"itemIdentifier": "999"}]},
    ],
)
def test_a_failure_list_that_names_no_record_fails_the_whole_batch(
    table: Table, answer: dict[str, Any]
) -> None:
    function = ScriptedFunction(lambda _: Invocation(answer, None, None, 1.0))
    table.put("A", "B")
    drain(table.mapping(function, report_batch_item_failures=True, maximum_retry_attempts=1))
    assert function.batches() == [["A", "B"], ["A", "B"]]
    assert len(table.destination) == 1


@pytest.mark.parametrize("answer", [None, {}, {"batchItemFailures": []}, {"batchItemFailures": None}])
def test_an_empty_failure_list_is_a_complete_success(table: Table, answer: Any) -> None:
    function = ScriptedFunction(lambda _: Invocation(answer, None, None, 1.0))
    table.put("A", "B")
    drain(table.mapping(function, report_batch_item_failures=True, maximum_retry_attempts=1))
    assert function.batches() == [["A", "B"]]


def test_no_retries_means_no_split_either(table: Table) -> None:
    function = ScriptedFunction(failing({"C"}))
    table.put("A", "B", "C")
    drain(table.mapping(function, bisect_on_error=True, maximum_retry_attempts=0, on_failure=DLQ))
    assert function.batches() == [["A", "B", "C"]]
    assert '"batchSize": 3' in table.destination[0]


def test_bisect_splits_a_failing_batch_until_the_failing_record_stands_alone(table: Table) -> None:
    function = ScriptedFunction(failing({"C"}))
    table.put("A", "B", "C", "D", "E", "F")
    drain(table.mapping(function, bisect_on_error=True, maximum_retry_attempts=1, on_failure=DLQ))
    # Each half starts its retries afresh; C alone then has its one retry.
    assert function.batches() == [
        ["A", "B", "C", "D", "E", "F"],
        ["A", "B", "C"],
        ["A"],
        ["B", "C"],
        ["B"],
        ["C"],
        ["C"],
        ["D", "E", "F"],
    ]
    (handed_over,) = table.destination
    assert '"batchSize": 1' in handed_over


def test_after_the_last_retry_the_records_go_to_the_on_failure_destination(table: Table) -> None:
    function = ScriptedFunction(failing({"B"}))
    table.put("A", "B", "C")
    drain(table.mapping(function, maximum_retry_attempts=2, on_failure=DLQ, batch_size=2))
    # The first batch fails three times (the call and two retries), then the next one runs.
    assert function.batches() == [["A", "B"], ["A", "B"], ["A", "B"], ["C"]]
    (line,) = table.destination
    prefix, _, payload = line.partition(": ")
    assert prefix == "ON-FAILURE StreamProbeFunction TableStream 2 record(s) to NotifyDeadLetterQueue (SQS)"
    record = json.loads(payload)
    first, second = (event["dynamodb"]["SequenceNumber"] for event in function.events[0]["Records"])
    assert record["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["requestContext"]["functionArn"].endswith(":function:serverless-blog-local-stream-probe")
    assert record["responseContext"]["functionError"] == "Unhandled"
    batch = record["DDBStreamBatchInfo"]
    assert (batch["startSequenceNumber"], batch["endSequenceNumber"], batch["batchSize"]) == (
        first,
        second,
        2,
    )
    assert batch["streamArn"] == table.stream_arn
    assert batch["shardId"].startswith("shardId-")


def test_records_past_their_maximum_age_go_to_the_destination_unprocessed(table: Table) -> None:
    function = ScriptedFunction()
    table.put("A")
    mapping = table.mapping(function, maximum_record_age_seconds=60, on_failure=DLQ)
    mapping._clock = lambda: 4_000_000_000.0  # long after the record was written
    drain(mapping)
    assert function.events == []
    assert '"condition": "RecordAgeExceeded"' in table.destination[0]


def test_a_batch_whose_hand_over_fails_stays_and_is_handed_on_at_the_next_poll(table: Table) -> None:
    function = ScriptedFunction(failing({"A"}))
    table.put("A", "B")
    mapping = table.mapping(function, maximum_retry_attempts=0, on_failure=DLQ)
    handed: list[str] = []

    def destination_down_once(line: str) -> None:
        if not handed:
            handed.append("refused")
            raise OSError("the destination is down")
        handed.append(line)

    mapping._destination_log = destination_down_once
    with pytest.raises(BatchNotProcessed, match="2 record"):
        mapping.poll_once()
    drain(mapping)

    assert function.batches() == [["A", "B"], ["A", "B"]]
    assert len(handed) == 2
    assert '"condition": "RetryAttemptsExhausted"' in handed[1]
    assert '"batchSize": 2' in handed[1]


def test_a_record_without_its_creation_time_is_not_taken_for_an_old_one(table: Table) -> None:
    function = ScriptedFunction()
    mapping = table.mapping(function, maximum_record_age_seconds=60, on_failure=DLQ)
    record = {"eventID": "1", "dynamodb": {"Keys": {"pk": {"S": "A"}}, "SequenceNumber": "1"}}

    mapping.process([record])

    assert function.batches() == [["A"]]
    assert table.destination == []


def test_a_throttled_invocation_waits_for_the_function_and_is_no_retry(table: Table) -> None:
    class Throttled(ScriptedFunction):
        throttles = 2

        def invoke(
            self,
            function_id: str,
            event: Mapping[str, Any],
            timeout_seconds: float,
            wait_seconds: float = 0.0,
        ) -> Invocation:
            if self.throttles:
                self.throttles -= 1
                raise FunctionThrottled("all workers busy")
            return super().invoke(function_id, event, timeout_seconds, wait_seconds)

    function = Throttled(failing({"A"}))
    table.put("A")
    drain(table.mapping(function, maximum_retry_attempts=0, on_failure=DLQ))
    assert function.batches() == [["A"]]
    assert '"approximateInvokeCount": 1' in table.destination[0]


def test_a_batch_waiting_for_a_reserved_concurrency_paces_its_attempts_and_ends_when_the_runtime_stops(
    table: Table, tmp_path: Path
) -> None:
    # Reserved concurrency 0: the function never gets a worker, as while API requests hold them all.
    function = FunctionDefinition(
        logical_id="StreamProbeFunction",
        code_dir=tmp_path,
        module_path=tmp_path / "app.py",
        handler_name="lambda_handler",
        environment={},
        timeout_seconds=3,
        reserved_concurrency=0,
    )
    pool = WorkerPool({function.logical_id: function}, {function.logical_id: {}}, lambda *_: None)
    attempts = []

    class CountingPool:
        def invoke(
            self,
            function_id: str,
            event: Mapping[str, Any],
            timeout_seconds: float,
            wait_seconds: float = 0.0,
        ) -> Invocation:
            attempts.append(wait_seconds)
            return pool.invoke(function_id, event, timeout_seconds, wait_seconds)

    stopping = threading.Event()
    streams = local_client("dynamodbstreams", table.database.endpoint)
    mapping = StreamMapping(
        StreamEventSource(
            function_id=function.logical_id, event_name="TableStream", starting_position="LATEST"
        ),
        ShardReader(streams, table.stream_arn, records_of=RawRecords(streams).get_records),
        CountingPool(),
        function_name="serverless-blog-local-stream-probe",
        timeout_seconds=3,
        log=table.log.append,
        destination_log=table.destination.append,
        stopping=stopping,
    )
    record = {"eventID": "1", "dynamodb": {"Keys": {"pk": {"S": "A"}}, "SequenceNumber": "1"}}
    outcome: list[Exception] = []

    def process() -> None:
        try:
            mapping.process([record])
        except FunctionThrottled as throttled:
            outcome.append(throttled)  # the batch stays where it is for the next start

    processing = threading.Thread(target=process, daemon=True)
    processing.start()
    time.sleep(1.5)
    stopping.set()
    processing.join(timeout=3)

    assert not processing.is_alive()
    assert 1 <= len(attempts) <= 5
    assert len(outcome) == 1
    assert table.destination == []


def test_a_cancelled_transaction_is_not_in_the_stream_and_later_writes_are(table: Table) -> None:
    function = ScriptedFunction()
    mapping = table.mapping(function)
    table.put("A")
    drain(mapping)
    with pytest.raises(ClientError, match="TransactionCanceled"):
        table.client.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": table.name, "Item": {"pk": {"S": "GHOST"}}}},
                {
                    "Put": {
                        "TableName": table.name,
                        "Item": {"pk": {"S": "A"}},
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
            ]
        )
    table.put("B")
    drain(mapping)
    assert function.batches() == [["A"], ["B"]]


def test_latest_starts_after_the_records_already_in_the_stream(table: Table) -> None:
    function = ScriptedFunction()
    table.put("OLD")
    mapping = table.mapping(function, starting_position="LATEST")
    mapping.start_position()
    table.put("NEW")
    drain(mapping)
    assert function.batches() == [["NEW"]]


def test_the_notify_functions_stream_event_is_read_from_the_template() -> None:
    (source,) = stream_event_sources(load_template(), STACK)
    assert source.name == "NotifyFunction TableStream"
    assert source.report_batch_item_failures
    assert source.bisect_on_error
    assert source.on_failure == DLQ
    assert len(source.filters.sources) == len(
        load_template()["Resources"]["NotifyFunction"]["Properties"]["Events"]["TableStream"]["Properties"][
            "FilterCriteria"
        ]["Filters"]
    )


def test_every_dynamodb_event_on_the_tables_stream_is_read_from_the_template() -> None:
    sources = {source.name: source for source in stream_event_sources(template_with_stream(), STACK)}
    source = sources["StreamProbeFunction TableStream"]
    assert (source.batch_size, source.maximum_retry_attempts, source.bisect_on_error) == (10, 2, True)
    assert source.report_batch_item_failures
    assert source.starting_position == "TRIM_HORIZON"
    assert source.on_failure == DLQ
    assert source.filters.sources == (INSERTS_ONLY,)


@pytest.mark.parametrize(
    ("properties", "complaint"),
    [
        ({"TumblingWindowInSeconds": 30}, "TumblingWindowInSeconds not supported"),
        (
            {"Stream": "arn:aws:dynamodb:us-east-1:123456789012:table/other/stream/x"},
            "reads BlogTable's stream only",
        ),
        ({"StartingPosition": "AT_TIMESTAMP"}, "StartingPosition"),
        ({"BatchSize": 0}, "BatchSize 0 is outside"),
        ({"FunctionResponseTypes": ["Everything"]}, "FunctionResponseTypes"),
        (
            {
                "FilterCriteria": {
                    "Filters": [{"Pattern": '{"dynamodb": {"SizeBytes": [{"wildcard": "1*"}]}}'}]
                }
            },
            "FilterCriteria",
        ),
        (
            {"FilterCriteria": {"Filters": [{"Pattern": '{"eventName": ["INSERT"]}'}]}},
            "filters only on the 'dynamodb' key",
        ),
    ],
)
def test_an_event_the_local_runtime_cannot_run_as_lambda_would_is_an_error(
    properties: dict[str, Any], complaint: str
) -> None:
    with pytest.raises(TemplateError, match=complaint):
        stream_event_sources(template_with_stream(**properties), STACK)


def test_the_embedded_table_is_created_with_the_templates_stream(database: LocalDynamoDB) -> None:
    assert database.stream_arn is not None
    description = local_client("dynamodb", database.endpoint).describe_table(TableName="stream-test")["Table"]
    assert description["StreamSpecification"] == {"StreamEnabled": True, **STREAM}
    assert description["LatestStreamArn"] == database.stream_arn


def test_a_table_there_without_its_stream_gets_it(database: LocalDynamoDB) -> None:
    client = local_client("dynamodb", database.endpoint)
    client.create_table(
        **{
            **create_table_arguments(template_with_stream(), "no-stream-yet"),
            "StreamSpecification": {"StreamEnabled": False},
        }
    )
    arn, missing = table_stream(client, template_with_stream(), "no-stream-yet")
    assert missing is None
    assert arn == client.describe_table(TableName="no-stream-yet")["Table"]["LatestStreamArn"]


def test_a_dynamodb_without_streams_is_named_with_its_reason() -> None:
    class NoStreams:
        def describe_table(self, **_: Any) -> dict[str, Any]:
            return {"Table": {}}

        def update_table(self, **_: Any) -> dict[str, Any]:
            raise ClientError(
                {"Error": {"Code": "ValidationException", "Message": "streams are not supported"}},
                "UpdateTable",
            )

    arn, missing = table_stream(cast("Any", NoStreams()), template_with_stream(), "blog-local")
    assert arn is None
    assert missing is not None
    assert "streams are not supported" in missing


def test_an_invocation_that_never_reached_the_function_is_tried_again_and_loses_nothing(table: Table) -> None:
    class Unstartable(ScriptedFunction):
        failures = 1

        def invoke(
            self,
            function_id: str,
            event: Mapping[str, Any],
            timeout_seconds: float,
            wait_seconds: float = 0.0,
        ) -> Invocation:
            if self.failures:
                self.failures -= 1
                raise OSError("cannot start the worker")
            return super().invoke(function_id, event, timeout_seconds, wait_seconds)

    function = Unstartable()
    table.put("A", "B")
    drain(table.mapping(function, maximum_retry_attempts=0, on_failure=DLQ))
    assert function.batches() == [["A", "B"]]
    assert table.destination == []
    assert any("cannot start the worker" in line for line in table.log)
