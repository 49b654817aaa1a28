"""API Gateway HTTP API (payload format 2.0) events, built the way API Gateway builds them."""

import base64
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from local.sigv4 import ACCOUNT_ID
from local.template import HttpRoute

TEXT_CONTENT_TYPES = ("text/", "application/json", "application/problem+json", "application/xml")


@dataclass(frozen=True)
class IamCaller:
    """Who signed an AWS_IAM request, as `requestContext.authorizer.iam` shows it."""

    access_key: str
    account_id: str
    user_arn: str


def _is_text(content_type: str) -> bool:
    return content_type.split(";")[0].strip().lower().startswith(TEXT_CONTENT_TYPES)


def http_api_event(
    route: HttpRoute,
    *,
    raw_path: str,
    raw_query: str = "",
    headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
    body: bytes = b"",
    path_parameters: Mapping[str, str] | None = None,
    source_ip: str = "127.0.0.1",
    iam_caller: IamCaller | None = None,
    account_id: str = ACCOUNT_ID,
    api_id: str = "local",
    stage: str = "$default",
) -> dict[str, Any]:
    """The event API Gateway hands a function for one request to `route`.

    Headers (a mapping, or the name-value pairs as received) are lower-cased and repeated ones joined
    with commas, cookies move to `cookies`, repeated query parameters are joined with commas, and a
    body that is not text is base64-encoded.
    """
    pairs = headers.items() if isinstance(headers, Mapping) else headers or ()
    lowered: dict[str, str] = {}
    for name, value in pairs:
        key = name.lower()
        # Cookies a client splits over several Cookie headers (as HTTP/2 does) are one list.
        separator = "; " if key == "cookie" else ","
        lowered[key] = f"{lowered[key]}{separator}{value}" if key in lowered else value
    cookies = [c.strip() for c in lowered.pop("cookie", "").split(";") if c.strip()]
    query: dict[str, str] = {}
    for name, value in parse_qsl(raw_query, keep_blank_values=True):
        query[name] = f"{query[name]},{value}" if name in query else value
    now = datetime.now(UTC)
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route.route_key,
        "rawPath": raw_path,
        "rawQueryString": raw_query,
        "headers": lowered,
        "requestContext": {
            "accountId": account_id,
            "apiId": api_id,
            "domainName": lowered.get("host", "localhost"),
            "domainPrefix": lowered.get("host", "localhost").split(".")[0],
            "http": {
                "method": route.method,
                "path": raw_path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": lowered.get("user-agent", ""),
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": route.route_key,
            "stage": stage,
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(time.time() * 1000),
        },
        "isBase64Encoded": False,
    }
    if cookies:
        event["cookies"] = cookies
    if query:
        event["queryStringParameters"] = query
    if path_parameters:
        event["pathParameters"] = dict(path_parameters)
    if iam_caller is not None:
        event["requestContext"]["authorizer"] = {
            "iam": {
                "accessKey": iam_caller.access_key,
                "accountId": iam_caller.account_id,
                "callerId": iam_caller.access_key,
                "cognitoIdentity": None,
                "principalOrgId": None,
                "userArn": iam_caller.user_arn,
                "userId": iam_caller.access_key,
            }
        }
    if body:
        if _is_text(lowered.get("content-type", "")):
            try:
                event["body"] = body.decode("utf-8")
            except UnicodeDecodeError:
                event["body"] = base64.b64encode(body).decode("ascii")
                event["isBase64Encoded"] = True
        else:
            event["body"] = base64.b64encode(body).decode("ascii")
            event["isBase64Encoded"] = True
    return event
