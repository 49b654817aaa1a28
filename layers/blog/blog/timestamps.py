"""UTC timestamps, stored and returned as ISO 8601 with `Z` at one fixed precision.

One fixed width matters: DynamoDB sorts these strings, and `...:08Z` would sort after `...:08.5Z`.
"""

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, PlainSerializer

_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def utc_now() -> datetime:
    """The current time in UTC (full precision: comment ids use the milliseconds)."""
    return datetime.now(UTC)


def format_timestamp(moment: datetime) -> str:
    """`2026-03-14T09:30:00Z`: the form every timestamp is stored and returned in."""
    return moment.astimezone(UTC).strftime(_FORMAT)


def _to_utc_second(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(microsecond=0)


Timestamp = Annotated[
    AwareDatetime,
    AfterValidator(_to_utc_second),
    PlainSerializer(format_timestamp, return_type=str),
]
"""A moment with a time zone (naive input is refused), kept in UTC to the second."""
