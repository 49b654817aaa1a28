"""Payload 2.0 events from requests as received: headers, cookies, query strings and bodies."""

import base64

from local.events import http_api_event
from local.template import HttpRoute

ROUTE = HttpRoute("POST", "/posts/{slug}/comments", "SubmitCommentFunction", iam_auth=False)


def test_headers_are_lower_cased_and_repeated_ones_joined() -> None:
    event = http_api_event(ROUTE, raw_path="/posts/a/comments", headers=[("Accept", "a"), ("accept", "b")])

    assert event["headers"] == {"accept": "a,b"}


def test_cookies_move_to_their_own_list_however_the_client_split_them() -> None:
    event = http_api_event(
        ROUTE, raw_path="/posts/a/comments", headers=[("Cookie", "a=1; b=2"), ("cookie", "c=3")]
    )

    assert event["cookies"] == ["a=1", "b=2", "c=3"]
    assert "cookie" not in event["headers"]


def test_a_json_body_stays_text_and_a_binary_one_is_base64() -> None:
    text = http_api_event(
        ROUTE, raw_path="/p", headers={"content-type": "application/json"}, body="„ä“".encode()
    )
    binary = http_api_event(ROUTE, raw_path="/p", headers={"content-type": "image/png"}, body=b"\x89PNG")

    assert (text["body"], text["isBase64Encoded"]) == ("„ä“", False)
    assert (base64.b64decode(binary["body"]), binary["isBase64Encoded"]) == (b"\x89PNG", True)
