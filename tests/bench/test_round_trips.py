"""The bench counts requests on the wire together as one round trip of latency."""

from bench.inprocess import DynamoDBCall
from bench.round_trips import round_trips_of


def call(sent: float, ended: float) -> DynamoDBCall:
    return DynamoDBCall(sent=sent, ended=ended, response_bytes=0)


def test_requests_on_the_wire_together_are_one_round_trip() -> None:
    assert round_trips_of([call(0.0, 1.0), call(0.5, 1.5)]) == 1
    assert round_trips_of([call(0.5, 1.5), call(0.0, 1.0)]) == 1


def test_a_request_sent_after_the_answer_is_another_round_trip() -> None:
    assert round_trips_of([call(0.0, 1.0), call(1.0, 2.0)]) == 2
    assert round_trips_of([call(0.0, 1.0), call(0.2, 0.4), call(0.9, 1.2), call(1.3, 1.4)]) == 2


def test_no_request_is_no_round_trip() -> None:
    assert round_trips_of([]) == 0
