"""The table's stream, read as Lambda's event source mapping reads it, for every function event of
type `DynamoDB` on it in template.yaml.

Each such event (an event source mapping) gets a reader on a thread of its own. It polls the
stream through the DynamoDB Streams API (GetShardIterator, GetRecords) four times a second, as
Lambda polls a shard; drops the records its FilterCriteria do not match; gathers the others into
batches of at most BatchSize records (and 6 MB, Lambda's payload limit), waiting up to
MaximumBatchingWindowInSeconds for a fuller batch; and invokes the function with Lambda's
DynamoDB event (`{"Records": [...]}`, each record with its `eventSourceARN`) through the same
workers the API uses. One batch at a time, in stream order, as Lambda does for a shard.

A batch fails when the function raises, times out or crashes, or, with `FunctionResponseTypes:
[ReportBatchItemFailures]`, when it answers `{"batchItemFailures": [{"itemIdentifier": <sequence
number>}]}`: then the records before the lowest named one are done and the rest is retried. An
answer naming no record of the batch (an empty or missing itemIdentifier, a bad key name) fails
the whole batch, as on Lambda. With BisectBatchOnFunctionError a batch the function failed as a
whole is split in two and each half retried on its own. After MaximumRetryAttempts retries (-1,
the default: without end) or past MaximumRecordAgeInSeconds, the records are handed to the
on-failure destination: locally a log line with the invocation record Lambda would send there.
A throttled invocation waits for a worker and is no retry (the batch never reached the function).

Decision: a batch split in two starts its halves' retry count afresh. AWS documents that a failed
batch is split and each half retried, not how the split counts against MaximumRetryAttempts;
afresh, splitting always isolates the failing record before the count hands anything to the
destination, and it still ends, since every split halves the batch.

Decision: every poll takes a fresh shard iterator after the last record read, never the
NextShardIterator of the previous GetRecords. moto replaces a table by its deep copy when a
transaction is cancelled, and an iterator taken before then keeps reading the discarded copy:
it would deliver the writes of the cancelled transaction and miss every write after it.

Records are never lost while the runtime runs: a record leaves the reader only when the function
has processed it or it went to the destination.
"""

import itertools
import json
import math
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from local.event_filter import FilterCriteria, FilterError, parse_filter_criteria
from local.sigv4 import ACCOUNT_ID, REGION
from local.template import (
    FUNCTION_TYPE,
    TABLE_RESOURCE,
    LocalDeployment,
    TemplateError,
    resolve,
    stream_specification,
)
from local.workers import FunctionThrottled, FunctionTimedOut, Invocation, WorkerExited

EVENT_TYPE = "DynamoDB"
"""The SAM event type of a stream's event source mapping."""
REPORT_BATCH_ITEM_FAILURES = "ReportBatchItemFailures"
MAX_PAYLOAD_BYTES = 6 * 1024 * 1024
"""Lambda's limit on a synchronous invocation's payload: a batch stays below it."""
POLL_INTERVAL_SECONDS = 0.25
THROTTLE_WAIT_SECONDS = 1.0
"""How long one attempt waits for a free worker of a throttled function, before the mapping checks
whether the runtime stops and tries again."""
"""Lambda polls each shard of a DynamoDB stream four times a second."""
SHARD_REFRESH_SECONDS = 10.0
MAX_BATCH_SIZE = 10_000
DEFAULT_BATCH_SIZE = 100
_SUPPORTED_PROPERTIES = frozenset(
    {
        "Stream",
        "StartingPosition",
        "BatchSize",
        "BisectBatchOnFunctionError",
        "DestinationConfig",
        "Enabled",
        "FilterCriteria",
        "FunctionResponseTypes",
        "MaximumBatchingWindowInSeconds",
        "MaximumRecordAgeInSeconds",
        "MaximumRetryAttempts",
        # Accepted, without effect locally: one shard is read one batch at a time, the filters are
        # not encrypted, there are no metrics.
        "ParallelizationFactor",
        "KmsKeyArn",
        "MetricsConfig",
    }
)
_STARTING_POSITIONS = ("TRIM_HORIZON", "LATEST")


@dataclass(frozen=True)
class OnFailureDestination:
    """Where Lambda sends the invocation record of records it gives up on."""

    name: str
    """The destination resource's logical id (or its ARN when it is not in the template)."""
    kind: str
    """SQS, SNS or S3."""


@dataclass(frozen=True)
class StreamEventSource:
    """One function event of type DynamoDB on the table's stream: an event source mapping."""

    function_id: str
    event_name: str
    starting_position: str
    batch_size: int = DEFAULT_BATCH_SIZE
    batching_window_seconds: float = 0.0
    bisect_on_error: bool = False
    maximum_retry_attempts: int = -1
    """-1: retry until the record expires."""
    maximum_record_age_seconds: int = -1
    """-1: no limit."""
    report_batch_item_failures: bool = False
    filters: FilterCriteria = field(default_factory=lambda: parse_filter_criteria(None))
    on_failure: OnFailureDestination | None = None
    enabled: bool = True

    @property
    def name(self) -> str:
        """How the log names it: the function and its event."""
        return f"{self.function_id} {self.event_name}"


def _names_table_stream(stream: Any) -> bool:
    if isinstance(stream, dict) and set(stream) == {"Fn::GetAtt"}:
        target = stream["Fn::GetAtt"]
        parts = target if isinstance(target, list) else str(target).split(".", 1)
        return list(parts) == [TABLE_RESOURCE, "StreamArn"]
    return False


def _destination(config: Any) -> OnFailureDestination | None:
    on_failure = (config or {}).get("OnFailure") if isinstance(config, dict) else None
    if not on_failure:
        return None
    target = on_failure.get("Destination")
    if isinstance(target, dict) and "Fn::GetAtt" in target:
        attribute = target["Fn::GetAtt"]
        name = (attribute if isinstance(attribute, list) else str(attribute).split("."))[0]
    elif isinstance(target, dict) and "Ref" in target:
        name = str(target["Ref"])
    else:
        name = str(target)
    kind = on_failure.get("Type") or (name.split(":")[2].upper() if name.startswith("arn:") else "SQS")
    return OnFailureDestination(name=name, kind=str(kind))


def _integer(properties: Mapping[str, Any], name: str, default: int, low: int, high: int, where: str) -> int:
    value = properties.get(name, default)
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise TemplateError(f"{where}: {name} {value!r} is not a whole number") from None
    # -1 stands for "no limit" where it is the default (retries, record age).
    if not (number == -1 and default == -1) and not low <= number <= high:
        raise TemplateError(f"{where}: {name} {number} is outside {low}..{high}")
    return number


def stream_event_sources(template: Mapping[str, Any], stack: LocalDeployment) -> list[StreamEventSource]:
    """Every function event of type DynamoDB on the table's stream, its properties resolved for
    `stack`; TemplateError for one the local runtime cannot run as Lambda would."""
    stack = stack.with_conditions_of(template)
    found = []
    for logical_id, resource in template["Resources"].items():
        if resource.get("Type") != FUNCTION_TYPE:
            continue
        for event_name, event in (resource.get("Properties", {}).get("Events") or {}).items():
            if event.get("Type") != EVENT_TYPE:
                continue
            where = f"{logical_id} event {event_name}"
            raw = event.get("Properties", {})
            if not _names_table_stream(raw.get("Stream")):
                raise TemplateError(f"{where}: the local runtime reads {TABLE_RESOURCE}'s stream only")
            if stream_specification(template) is None:
                raise TemplateError(f"{where}: {TABLE_RESOURCE} declares no StreamSpecification")
            unknown = sorted(set(raw) - _SUPPORTED_PROPERTIES)
            if unknown:
                raise TemplateError(f"{where}: {', '.join(unknown)} not supported by the local runtime")
            properties = resolve({key: value for key, value in raw.items() if key != "Stream"}, stack)
            found.append(
                _event_source(logical_id, event_name, properties, raw.get("DestinationConfig"), where)
            )
    return found


def _event_source(
    logical_id: str, event_name: str, properties: Mapping[str, Any], destination: Any, where: str
) -> StreamEventSource:
    position = properties.get("StartingPosition")
    if position not in _STARTING_POSITIONS:
        raise TemplateError(f"{where}: StartingPosition must be one of {', '.join(_STARTING_POSITIONS)}")
    response_types = properties.get("FunctionResponseTypes") or []
    if set(response_types) - {REPORT_BATCH_ITEM_FAILURES}:
        raise TemplateError(f"{where}: FunctionResponseTypes takes {REPORT_BATCH_ITEM_FAILURES} only")
    try:
        filters = parse_filter_criteria(properties.get("FilterCriteria"))
    except FilterError as error:
        raise TemplateError(f"{where}: FilterCriteria: {error}") from None
    record_age = _integer(properties, "MaximumRecordAgeInSeconds", -1, 60, 604_800, where)
    return StreamEventSource(
        function_id=logical_id,
        event_name=event_name,
        starting_position=str(position),
        batch_size=_integer(properties, "BatchSize", DEFAULT_BATCH_SIZE, 1, MAX_BATCH_SIZE, where),
        batching_window_seconds=_integer(properties, "MaximumBatchingWindowInSeconds", 0, 0, 300, where),
        bisect_on_error=_boolean(properties.get("BisectBatchOnFunctionError", False)),
        maximum_retry_attempts=_integer(properties, "MaximumRetryAttempts", -1, 0, 10_000, where),
        maximum_record_age_seconds=record_age,
        report_batch_item_failures=REPORT_BATCH_ITEM_FAILURES in response_types,
        filters=filters,
        on_failure=_destination(destination),
        enabled=_boolean(properties.get("Enabled", True)),
    )


def _boolean(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


# --- Reading the stream -----------------------------------------------------------------------


class StreamsClient(Protocol):
    """What the reader asks of a DynamoDB Streams client (boto3's `dynamodbstreams`)."""

    def describe_stream(self, **kwargs: Any) -> dict[str, Any]: ...

    def get_shard_iterator(self, **kwargs: Any) -> dict[str, Any]: ...

    def get_records(self, **kwargs: Any) -> dict[str, Any]: ...


class FunctionInvoker(Protocol):
    """Runs a function on one event (local.workers.WorkerPool)."""

    def invoke(
        self, function_id: str, event: Mapping[str, Any], timeout_seconds: float, wait_seconds: float = 0.0
    ) -> Invocation: ...


class RawRecords:
    """GetRecords' records as the service sent them (JSON), not as botocore parses them: Lambda
    hands the function the wire form (base64 binary values, the creation time in epoch seconds)."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self._body: bytes | None = None
        client.meta.events.register("after-call.dynamodbstreams.GetRecords", self._keep)

    def _keep(self, http_response: Any, **_: Any) -> None:
        self._body = http_response.content

    def get_records(self, iterator: str, limit: int) -> tuple[list[dict[str, Any]], str | None]:
        """The records at `iterator` and the next iterator (None: the shard is closed and read)."""
        parsed = self._client.get_records(ShardIterator=iterator, Limit=limit)
        assert self._body is not None
        records: list[dict[str, Any]] = json.loads(self._body).get("Records", [])
        self._body = None
        return records, parsed.get("NextShardIterator")


@dataclass
class _Shard:
    shard_id: str
    parent_id: str | None
    last_sequence: str | None = None
    """The sequence number of the last record read, None before the first."""
    finished: bool = False


class ShardReader:
    """The stream's records in order, shard after shard (a child after its parent), each read
    once; a fresh iterator for every read (see the module's decision)."""

    def __init__(
        self,
        client: StreamsClient,
        stream_arn: str,
        *,
        records_of: Callable[[str, int], tuple[list[dict[str, Any]], str | None]],
        forget_iterators: Callable[[Sequence[str]], None] = lambda _: None,
    ) -> None:
        self._client = client
        self.stream_arn = stream_arn
        self._records_of = records_of
        self._forget = forget_iterators
        self._shards: dict[str, _Shard] = {}
        self._described_at = -math.inf

    def _refresh_shards(self) -> None:
        # A stream's shards change every few hours: DescribeStream now and then, and whenever a
        # shard has been read to its end, is enough.
        if time.monotonic() - self._described_at < SHARD_REFRESH_SECONDS:
            return
        self._described_at = time.monotonic()
        description = self._client.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]
        for shard in description.get("Shards", []):
            if shard["ShardId"] not in self._shards:
                self._shards[shard["ShardId"]] = _Shard(shard["ShardId"], shard.get("ParentShardId"))

    def skip_to_latest(self) -> None:
        """Start after the records the stream holds now (StartingPosition LATEST)."""
        while self.read(1000)[1]:
            pass

    def read(self, limit: int) -> tuple[str, list[dict[str, Any]]]:
        """The next records (at most `limit`) of the first shard that has any, with its id."""
        self._refresh_shards()
        for shard in list(self._shards.values()):
            parent = self._shards.get(shard.parent_id or "")
            if shard.finished or (parent is not None and not parent.finished):
                continue
            records = self._read_shard(shard, limit)
            if records:
                return shard.shard_id, records
        return "", []

    def _read_shard(self, shard: _Shard, limit: int) -> list[dict[str, Any]]:
        position = (
            {"ShardIteratorType": "TRIM_HORIZON"}
            if shard.last_sequence is None
            else {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": shard.last_sequence}
        )
        iterator = self._client.get_shard_iterator(
            StreamArn=self.stream_arn, ShardId=shard.shard_id, **position
        )["ShardIterator"]
        records, next_iterator = self._records_of(iterator, limit)
        self._forget([iterator, *([next_iterator] if next_iterator else [])])
        if records:
            shard.last_sequence = records[-1]["dynamodb"]["SequenceNumber"]
        elif next_iterator is None:
            shard.finished = True
            self._described_at = -math.inf
        return records


def lambda_record(record: Mapping[str, Any], stream_arn: str) -> dict[str, Any]:
    """A stream record as Lambda puts it in the event: as GetRecords returns it, with the stream's
    ARN as `eventSourceARN`, and the creation time in whole seconds (DynamoDB Streams rounds it
    down to the second; moto keeps milliseconds)."""
    dynamodb = dict(record["dynamodb"])
    created = dynamodb.get("ApproximateCreationDateTime")
    if isinstance(created, int | float):
        dynamodb["ApproximateCreationDateTime"] = math.floor(created)
    return {**record, "dynamodb": dynamodb, "eventSourceARN": stream_arn}


@dataclass(frozen=True)
class _Outcome:
    failed_from: int | None
    """None: the batch succeeded; else the index of the first record to retry."""
    whole_batch: bool
    """The function failed the batch as a whole (raised, timed out, answered no valid failure list)."""
    note: str


def batch_outcome(
    source: StreamEventSource, batch: Sequence[Mapping[str, Any]], invocation: Invocation
) -> _Outcome:
    """What Lambda makes of an invocation's result."""
    if invocation.error is not None:
        error = invocation.error
        return _Outcome(0, True, f"function error {error.get('errorType')}: {error.get('errorMessage')}")
    if not source.report_batch_item_failures:
        return _Outcome(None, False, "")
    response = invocation.response
    if response is None or response == {}:
        return _Outcome(None, False, "")
    failures = response.get("batchItemFailures") if isinstance(response, dict) else "invalid"
    if failures is None or failures == []:
        return _Outcome(None, False, "")
    sequences = [record["dynamodb"]["SequenceNumber"] for record in batch]
    if not isinstance(failures, list):
        return _Outcome(0, True, f"the response is no batch response: {json.dumps(response)[:200]}")
    indexes = []
    for failure in failures:
        identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
        if not isinstance(identifier, str) or identifier not in sequences:
            return _Outcome(0, True, f"batchItemFailures names no record of the batch: {json.dumps(failure)}")
        indexes.append(sequences.index(identifier))
    first = min(indexes)
    return _Outcome(
        first, False, f"{len(failures)} of {len(batch)} records failed, retrying from {sequences[first]}"
    )


DestinationLog = Callable[[str], None]


class BatchNotProcessed(Exception):
    """Handing a batch on failed before each of its records was processed; the batch stays pending."""


class StreamMapping:
    """One event source mapping at work: the records the filters pass, in batches, to the function."""

    def __init__(
        self,
        source: StreamEventSource,
        shards: ShardReader,
        invoker: FunctionInvoker,
        *,
        function_name: str,
        timeout_seconds: float,
        log: Callable[[str], None],
        destination_log: DestinationLog,
        retry_delay_seconds: float = 1.0,
        clock: Callable[[], float] = time.time,
        stopping: threading.Event | None = None,
    ) -> None:
        self.source = source
        self._shards = shards
        self._invoker = invoker
        self._function_name = function_name
        self._timeout = timeout_seconds
        self._log = log
        self._destination_log = destination_log
        self._retry_delay = retry_delay_seconds
        self._clock = clock
        self._stopping = stopping or threading.Event()
        """Set when the runtime stops: a batch being retried is left where it is."""
        self._pending: deque[tuple[str, dict[str, Any]]] = deque()
        """Records the filters passed, not yet invoked, each with its shard's id."""
        self._first_pending_at: float | None = None

    def start_position(self) -> None:
        """Take the mapping's StartingPosition (LATEST: after the records there now)."""
        if self.source.starting_position == "LATEST":
            self._shards.skip_to_latest()

    def poll_once(self) -> bool:
        """Read what is new, and invoke the function with the next batch if one is due; whether a
        batch was processed."""
        if len(self._pending) < self.source.batch_size:
            shard_id, records = self._shards.read(max(self.source.batch_size, 100))
            for record in records:
                if self.source.filters.matches(record):
                    if not self._pending:
                        self._first_pending_at = time.monotonic()
                    self._pending.append((shard_id, record))
        if not self._pending:
            return False
        waited = time.monotonic() - (self._first_pending_at or 0.0)
        if len(self._pending) < self.source.batch_size and waited < self.source.batching_window_seconds:
            return False
        batch, shard_id = self._next_batch()
        try:
            self.process(batch, shard_id)
        except Exception as error:
            raise BatchNotProcessed(
                f"handing {len(batch)} record(s) to {self.source.function_id} failed, kept for the next try"
            ) from error
        # Taken off only now: a batch whose processing failed stays, to be tried again.
        for _ in batch:
            self._pending.popleft()
        if self._pending:
            self._first_pending_at = time.monotonic()
        return True

    def _next_batch(self) -> tuple[list[dict[str, Any]], str]:
        # A batch holds records of one shard, below Lambda's payload limit; they stay pending.
        batch: list[dict[str, Any]] = []
        shard_id = self._pending[0][0]
        size = len('{"Records":[]}')
        for pending_shard, pending in self._pending:
            if len(batch) >= self.source.batch_size or pending_shard != shard_id:
                break
            record = lambda_record(pending, self._shards.stream_arn)
            record_size = len(json.dumps(record).encode()) + 1
            if batch and size + record_size > MAX_PAYLOAD_BYTES:
                break
            size += record_size
            batch.append(record)
        return batch, shard_id

    def process(self, batch: list[dict[str, Any]], shard_id: str = "") -> None:
        """Invoke the function until every record of `batch` is processed or handed to the
        destination: partial failures, bisection and bounded retries as Lambda does them."""
        work: deque[tuple[list[dict[str, Any]], int]] = deque([(batch, 0)])
        while work and not self._stopping.is_set():
            records, retries = work.popleft()
            records = self._drop_expired(records, retries, shard_id)
            if not records:
                continue
            invocation = self._invoke(records)
            outcome = batch_outcome(self.source, records, invocation)
            self._log_invocation(records, invocation, outcome, retries)
            if outcome.failed_from is None:
                continue
            remaining = records[outcome.failed_from :]
            limit = self.source.maximum_retry_attempts
            if limit != -1 and retries >= limit:
                self._hand_over(remaining, shard_id, "RetryAttemptsExhausted", retries + 1, invocation)
                continue
            if outcome.whole_batch and self.source.bisect_on_error and len(remaining) > 1:
                middle = len(remaining) // 2
                work.extendleft([(remaining[middle:], 0), (remaining[:middle], 0)])
            else:
                work.appendleft((remaining, retries + 1))
            self._stopping.wait(min(self._retry_delay * 2**retries, 30.0))

    def _drop_expired(
        self, records: list[dict[str, Any]], retries: int, shard_id: str
    ) -> list[dict[str, Any]]:
        limit = self.source.maximum_record_age_seconds
        if limit == -1:
            return records
        now = self._clock()
        # A record without its creation time (not so on AWS) cannot be told old: it is kept.
        expired = [
            record
            for record in records
            if now - record["dynamodb"].get("ApproximateCreationDateTime", now) > limit
        ]
        if expired:
            self._hand_over(expired, shard_id, "RecordAgeExceeded", retries, None)
        return [record for record in records if record not in expired]

    def _invoke(self, records: list[dict[str, Any]]) -> Invocation:
        event = {"Records": records}
        while True:
            try:
                # Lambda waits for concurrency rather than fail a stream batch for a throttle: in
                # short waits, so that a stopping runtime is not kept waiting for a busy function.
                return self._invoker.invoke(
                    self.source.function_id, event, self._timeout, wait_seconds=THROTTLE_WAIT_SECONDS
                )
            except FunctionThrottled:
                if self._stopping.wait(0.1):
                    raise
            except FunctionTimedOut:
                message = f"Task timed out after {self._timeout:.2f} seconds"
                return Invocation(None, {"errorType": "Sandbox.Timedout", "errorMessage": message}, None, 0.0)
            except WorkerExited as exited:
                return Invocation(
                    None, {"errorType": "Runtime.ExitError", "errorMessage": str(exited)}, None, 0.0
                )
            except Exception as error:
                # The batch never reached the function (its worker could not start): as Lambda does
                # on a service error, try again and count no retry; the records stay.
                self._log(f"STREAM {self.source.name}: invoking {self.source.function_id} failed: {error}")
                if self._stopping.wait(self._retry_delay or 0.1):
                    raise

    def _log_invocation(
        self, records: Sequence[Mapping[str, Any]], invocation: Invocation, outcome: _Outcome, retries: int
    ) -> None:
        first, last = records[0]["dynamodb"]["SequenceNumber"], records[-1]["dynamodb"]["SequenceNumber"]
        notes = [f"retry {retries}"] if retries else []
        if invocation.init_ms is not None:
            notes.append(f"cold start {invocation.init_ms:.0f} ms")
        if outcome.note:
            notes.append(outcome.note)
        self._log(
            f"STREAM {self.source.name} {len(records)} record(s) {first}..{last} "
            f"{invocation.duration_ms:.1f} ms" + (f" ({'; '.join(notes)})" if notes else "")
        )

    def _hand_over(
        self,
        records: Sequence[Mapping[str, Any]],
        shard_id: str,
        condition: str,
        invoke_count: int,
        invocation: Invocation | None,
    ) -> None:
        first, last = records[0]["dynamodb"], records[-1]["dynamodb"]
        invocation_record = {
            "requestContext": {
                "requestId": str(uuid.uuid4()),
                "functionArn": f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{self._function_name}",
                "condition": condition,
                "approximateInvokeCount": invoke_count,
            },
            "responseContext": {
                "statusCode": 200,
                "executedVersion": "$LATEST",
                **({"functionError": "Unhandled"} if invocation is not None and invocation.error else {}),
            },
            "version": "1.0",
            "timestamp": _iso(self._clock()),
            "DDBStreamBatchInfo": {
                "shardId": shard_id,
                "startSequenceNumber": first["SequenceNumber"],
                "endSequenceNumber": last["SequenceNumber"],
                "approximateArrivalOfFirstRecord": _iso(first.get("ApproximateCreationDateTime", 0)),
                "approximateArrivalOfLastRecord": _iso(last.get("ApproximateCreationDateTime", 0)),
                "batchSize": len(records),
                "streamArn": self._shards.stream_arn,
            },
        }
        where = (
            f"to {self.source.on_failure.name} ({self.source.on_failure.kind})"
            if self.source.on_failure
            else "discarded (no on-failure destination)"
        )
        self._destination_log(
            f"ON-FAILURE {self.source.name} {len(records)} record(s) {where}: {json.dumps(invocation_record)}"
        )


def _iso(epoch_seconds: float) -> str:
    return (
        datetime.fromtimestamp(epoch_seconds, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    )


class StreamPoller:
    """Runs a mapping on a thread of its own until stopped; a read that fails is logged and tried
    again on the next poll, so a hiccup of the local DynamoDB loses nothing."""

    def __init__(self, mapping: StreamMapping, log: Callable[[str], None], stop: threading.Event) -> None:
        self.mapping = mapping
        self._log = log
        self._stop = stop
        self._thread = threading.Thread(target=self._run, name=f"stream {mapping.source.name}", daemon=True)

    def start(self) -> None:
        self.mapping.start_position()
        self._thread.start()

    def _run(self) -> None:
        failures = itertools.count()
        while not self._stop.is_set():
            try:
                busy = self.mapping.poll_once()
            except BatchNotProcessed as error:
                if not self._stop.is_set() and next(failures) % 40 == 0:
                    self._log(f"STREAM {self.mapping.source.name}: {error}: {error.__cause__!r}")
                busy = False
            except Exception as error:
                if next(failures) % 40 == 0:
                    self._log(f"STREAM {self.mapping.source.name}: reading the stream failed: {error}")
                busy = False
            if not busy:
                self._stop.wait(POLL_INTERVAL_SECONDS)

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            # An invocation under way ends first (the thread is a daemon should it not).
            self._thread.join(timeout=10)


@contextmanager
def running_pollers(pollers: Sequence[StreamPoller]) -> Iterator[None]:
    """Start each poller (taking its starting position first); stop them all at the end."""
    started = []
    try:
        for poller in pollers:
            poller.start()
            started.append(poller)
        yield
    finally:
        for poller in started:
            poller.stop()


def describe_event_source(source: StreamEventSource) -> str:
    """One line on what a mapping does, for `serve`'s start."""
    retries = (
        "retries without end"
        if source.maximum_retry_attempts == -1
        else f"{source.maximum_retry_attempts} retries"
    )
    parts = [
        f"batches of up to {source.batch_size}",
        f"{len(source.filters.sources)} filter(s)" if source.filters.sources else "no filter",
        retries,
    ]
    if source.batching_window_seconds:
        parts.append(f"window {source.batching_window_seconds:g} s")
    if source.bisect_on_error:
        parts.append("bisect on error")
    if source.report_batch_item_failures:
        parts.append("partial batch responses")
    if source.on_failure is not None:
        parts.append(f"on failure to {source.on_failure.name}")
    return f"{source.name} ({source.starting_position}): " + ", ".join(parts)


@contextmanager
def reading_table_stream(
    sources: Sequence[StreamEventSource],
    *,
    new_client: Callable[[], Any],
    stream_arn: str,
    invoker: FunctionInvoker,
    functions: Mapping[str, Any],
    log: Callable[[str], None],
    destination_log: DestinationLog,
    forget_iterators: Callable[[Sequence[str]], None] = lambda _: None,
) -> Iterator[list[StreamPoller]]:
    """Poll the table's stream for each enabled mapping of `sources` while the block runs; each
    poller with a DynamoDB Streams client of its own (`new_client`), as RawRecords keeps the last
    answer of its client."""
    pollers = []
    stop = threading.Event()
    for source in sources:
        if not source.enabled:
            continue
        function = functions[source.function_id]
        client = new_client()
        shards = ShardReader(
            client, stream_arn, records_of=RawRecords(client).get_records, forget_iterators=forget_iterators
        )
        mapping = StreamMapping(
            source,
            shards,
            invoker,
            function_name=function.function_name,
            timeout_seconds=function.timeout_seconds,
            log=log,
            destination_log=destination_log,
            stopping=stop,
        )
        pollers.append(StreamPoller(mapping, log, stop))
    with running_pollers(pollers):
        yield pollers
