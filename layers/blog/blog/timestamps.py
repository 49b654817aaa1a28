"""UTC timestamps, stored and returned as ISO 8601 with `Z` at one fixed precision.

One fixed width matters: DynamoDB sorts these strings, and `...:08Z` would sort after `...:08.5Z`.
"""

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, Field, PlainSerializer

_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def utc_now() -> datetime:
    """The current time in UTC (full precision: comment ids use the milliseconds)."""
    return datetime.now(UTC)


def format_timestamp(moment: datetime) -> str:
    """`2026-03-14T09:30:00Z`: the form every timestamp is stored and returned in."""
    return moment.astimezone(UTC).strftime(_FORMAT)


FIRST_YEAR = 1970
"""Comment ids count milliseconds since 1970, and a four-digit year keeps the stored text sortable."""
# The JSON Schema's statement of the same range (a date-time from 1970 to 9999).
YEAR_PATTERN = r"^(19[7-9][0-9]|[2-9][0-9]{3})-"


def _to_utc_second(moment: datetime) -> datetime:
    in_utc = moment.astimezone(UTC).replace(microsecond=0)
    if not FIRST_YEAR <= in_utc.year <= 9999:
        raise ValueError(f"must lie between the years {FIRST_YEAR} and 9999")
    return in_utc


def _text_or_moment(value: Any) -> Any:
    # Pydantic would read a number as seconds since 1970: the schema says a date-time string.
    if not isinstance(value, str | datetime):
        raise ValueError("must be a date-time string")
    return value


Timestamp = Annotated[
    AwareDatetime,
    BeforeValidator(_text_or_moment),
    AfterValidator(_to_utc_second),
    PlainSerializer(format_timestamp, return_type=str),
    Field(json_schema_extra={"pattern": YEAR_PATTERN}),
]
"""A moment with a time zone (naive input is refused), kept in UTC to the second."""
