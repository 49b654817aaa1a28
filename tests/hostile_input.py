"""Request bodies an attacker sends to find what the parser or the validators let through.

Used in process (tests/integration/test_hostile_input.py) and over HTTP against every operation of
the OpenAPI document (tests/fuzz/test_hostile_bodies.py).
"""

UNREADABLE_BODIES: dict[str, bytes] = {
    # RecursionError in the parser: 20,000 levels, 20 KB.
    "deeply nested arrays": b"[" * 20_000,
    "deeply nested objects": b'{"a":' * 10_000 + b"1" + b"}" * 10_000,
    # ValueError: Python reads an integer of at most 4,300 digits.
    "a number of 4,400 digits": b'{"author_name":"Ada","content":"Hallo","n":' + b"9" * 4_400 + b"}",
    "a bare number of 4,400 digits": b"1" * 4_400,
    # Which of two equal keys counts is left open by RFC 8259, and parsers differ.
    "a key twice": b'{"author_name":"Ada","author_name":"Admin","content":"Hallo"}',
    "a key twice, nested": b'{"title":"T","content":"C","author":"A","category":"K","x":{"a":1,"a":2}}',
}
"""Bodies no route reads: each is a 400 `/problems/malformed-json`, on every route."""

LONE_SURROGATE = "\ud800"
"""Half of a UTF-16 pair: json.dumps writes it as the escape `\\ud800`, valid JSON of no text."""
