"""schemathesis hooks, registered when tests/fuzz/test_schemathesis.py imports this module.

- Requests that carry the documented Authorization header are signed with SigV4, as an operator's
  SDK does, so the AWS_IAM routes are fuzzed behind the gateway's check; requests without it stay
  unsigned, and the gateway must refuse them.
- Half of the valid cases (chosen by a checksum of the generated slug, so runs repeat) name a post
  of the demo blog instead of a random one, so that valid requests reach real posts and their
  comments, not only 404s.
- Valid cases lose what the schema can describe but never make valid: a cursor is opaque (only
  one the API handed out is real) and a parent_id must name an existing approved comment. Invalid
  cases keep both. The same goes for the three rules of a comment that its descriptions state and no
  pattern can (blog/models.py): a valid case's name without a letter or digit becomes "Ada", its
  text loses bidirectional controls, and without an author_email it asks for no reply mails. A
  well-formed Idempotency-Key is made unique, so that no generated case reuses another's key by
  chance.
- schemathesis 4.32's coverage phase can label a case valid whose body it made invalid (seen: the
  body `0` for a JSON object). A "valid data rejected" failure of a case with an invalid part is
  dropped; the same check holds everywhere else.
"""

import re
import uuid
import zlib
from typing import Any

import requests
import schemathesis
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from schemathesis.core.parameters import ParameterLocation
from schemathesis.openapi.checks import RejectedPositiveData

from blog.content import BIDI_CONTROLS
from blog.models import IDEMPOTENCY_KEY_MAX_LENGTH, IDEMPOTENCY_KEY_PATTERN, has_letter_or_digit
from local.demo import POSTS_DIR

_IDEMPOTENCY_KEY = re.compile(IDEMPOTENCY_KEY_PATTERN)
_BIDI_CONTROL = re.compile(f"[{BIDI_CONTROLS}]")


class LocalSigV4(requests.auth.AuthBase):
    """Signs the request as it will be sent, with the local runtime's credentials."""

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        body = request.body.encode() if isinstance(request.body, str) else request.body or b""
        headers = {name: value for name, value in request.headers.items() if name.lower() != "authorization"}
        signing = AWSRequest(method=request.method, url=request.url, data=body, headers=headers)
        SigV4Auth(Credentials("local", "local"), "execute-api", "us-east-1").add_auth(signing)
        request.headers.update(dict(signing.headers.items()))
        return request


def _header(case: Any, name: str) -> str | None:
    for key, value in (case.headers or {}).items():
        if key.lower() == name:
            return str(value)
    return None


def _valid_at(case: Any, location: ParameterLocation) -> bool:
    return case.meta is None or not case.meta.is_negative_at(location)


def _within_the_described_rules(body: dict[str, Any]) -> None:
    name = body.get("author_name")
    if not isinstance(name, str):
        return  # not a comment
    if not has_letter_or_digit(name):
        body["author_name"] = "Ada"
    if isinstance(body.get("content"), str):
        body["content"] = _BIDI_CONTROL.sub("", body["content"])
    if body.get("author_email") is None and body.get("notify_replies") is True:
        body["notify_replies"] = False  # replies are mailed to author_email, so it needs one


DEMO_SLUGS = sorted(path.stem for path in POSTS_DIR.glob("*.md"))


@schemathesis.hook
def map_case(context: Any, case: Any) -> Any:
    slug = (case.path_parameters or {}).get("slug")
    if isinstance(slug, str) and _valid_at(case, ParameterLocation.PATH):
        checksum = zlib.crc32(slug.encode())
        if checksum % 2 == 0:
            case.path_parameters["slug"] = DEMO_SLUGS[checksum // 2 % len(DEMO_SLUGS)]
    if case.query and _valid_at(case, ParameterLocation.QUERY):
        case.query.pop("cursor", None)
    if isinstance(case.body, dict) and _valid_at(case, ParameterLocation.BODY):
        case.body.pop("parent_id", None)
        _within_the_described_rules(case.body)
    key = _header(case, "idempotency-key")
    if key is not None and len(key) <= IDEMPOTENCY_KEY_MAX_LENGTH and _IDEMPOTENCY_KEY.fullmatch(key):
        case.headers = {k: v for k, v in case.headers.items() if k.lower() != "idempotency-key"}
        case.headers["Idempotency-Key"] = str(uuid.uuid4())
    return case


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    if _header(case, "authorization") is not None:
        kwargs["auth"] = LocalSigV4()


@schemathesis.hook
def filter_failure(context: Any, failure: Any, case: Any, response: Any) -> bool:
    if isinstance(failure, RejectedPositiveData) and case.meta is not None:
        return not any(case.meta.is_negative_at(location) for location in case.meta.components)
    return True
