"""SigV4 for the AWS_IAM routes: sign requests as an operator's SDK does, and verify them as API
Gateway does, with botocore's own signer and the local credentials.

Verifying recomputes the signature of the request as received, over exactly the headers the client
says it signed, and compares. There is no IAM locally: whoever holds the local credentials may call.
"""

import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from botocore.auth import SIGV4_TIMESTAMP, SigV4Auth
from botocore.awsrequest import AWSRequest, HTTPHeaders
from botocore.credentials import Credentials

ACCESS_KEY = "local"
SECRET_KEY = "local"  # noqa: S105 (the documented local credentials, not a secret)
REGION = "us-east-1"
SERVICE = "execute-api"
ACCOUNT_ID = "123456789012"
ALGORITHM = "AWS4-HMAC-SHA256"
# How far X-Amz-Date may be from the server's clock before AWS calls the signature expired.
MAX_CLOCK_SKEW = timedelta(minutes=15)

_AUTHORIZATION = re.compile(
    ALGORITHM + r"\s+Credential=(?P<credential>[^,\s]+),\s*SignedHeaders=(?P<signed>[^,\s]+),"
    r"\s*Signature=(?P<signature>[0-9a-f]+)"
)


class SignatureRejected(Exception):
    """Why a request's signature is not accepted (for the log; the client only sees 403)."""


@dataclass(frozen=True)
class Signer:
    """Whose credentials sign or verify, and for which region and service."""

    access_key: str = ACCESS_KEY
    secret_key: str = SECRET_KEY
    region: str = REGION
    service: str = SERVICE

    def sign(self, method: str, url: str, headers: Mapping[str, str], body: bytes) -> dict[str, str]:
        """`headers` plus the SigV4 ones (Authorization, X-Amz-Date) for a request to `url`."""
        request = AWSRequest(method=method, url=url, headers=dict(headers), data=body)
        SigV4Auth(Credentials(self.access_key, self.secret_key), self.service, self.region).add_auth(request)
        return dict(request.headers.items())

    def verify(
        self,
        method: str,
        raw_path: str,
        raw_query: str,
        headers: Iterable[tuple[str, str]],
        body: bytes,
        *,
        now: datetime,
    ) -> None:
        """Raise SignatureRejected unless the request is signed with these credentials."""
        received = HTTPHeaders()
        for name, value in headers:
            received[name.lower()] = value
        authorization = received.get("authorization")
        if authorization is None:
            raise SignatureRejected("not signed: no Authorization header")
        match = _AUTHORIZATION.fullmatch(authorization.strip())
        if match is None:
            raise SignatureRejected("the Authorization header is not AWS4-HMAC-SHA256")
        access_key, _, scope = match["credential"].partition("/")
        if access_key != self.access_key:
            raise SignatureRejected(f"unknown access key {access_key!r}")
        timestamp = received.get("x-amz-date", "")
        try:
            signed_at = datetime.strptime(timestamp, SIGV4_TIMESTAMP).replace(tzinfo=UTC)
        except ValueError:
            raise SignatureRejected("no valid X-Amz-Date header") from None
        if abs(now - signed_at) > MAX_CLOCK_SKEW:
            raise SignatureRejected(f"signature expired: X-Amz-Date {timestamp} is over 15 minutes off")
        expected_scope = f"{timestamp[:8]}/{self.region}/{self.service}/aws4_request"
        if scope != expected_scope:
            raise SignatureRejected(f"credential scope {scope!r} is not {expected_scope!r}")
        signed_names = match["signed"].split(";")
        if "host" not in signed_names:
            raise SignatureRejected("the host header is not signed")
        missing = [name for name in signed_names if name not in received]
        if missing:
            raise SignatureRejected(f"signed headers missing from the request: {', '.join(missing)}")
        declared_hash = received.get("x-amz-content-sha256")
        if declared_hash is not None and declared_hash != hashlib.sha256(body).hexdigest():
            raise SignatureRejected("X-Amz-Content-Sha256 does not match the body")
        expected = self._signature(method, raw_path, raw_query, received, signed_names, body, timestamp)
        if not hmac.compare_digest(expected, match["signature"]):
            raise SignatureRejected("the signature does not match the request")

    def _signature(
        self,
        method: str,
        raw_path: str,
        raw_query: str,
        received: HTTPHeaders,
        signed_names: list[str],
        body: bytes,
        timestamp: str,
    ) -> str:
        url = f"http://{received['host']}{raw_path}" + (f"?{raw_query}" if raw_query else "")
        request = AWSRequest(method=method, url=url, data=body)
        for name in signed_names:
            for value in received.get_all(name) or []:
                request.headers[name] = value
        request.context["timestamp"] = timestamp
        signer = _ReceivedRequestSigner(
            Credentials(self.access_key, self.secret_key), self.service, self.region
        )
        canonical_request = signer.canonical_request(request)
        signature: str = signer.signature(signer.string_to_sign(request, canonical_request), request)
        return signature


class _ReceivedRequestSigner(SigV4Auth):
    """botocore's signer over the headers a received request names as signed, and no others
    (a signing client chooses them; botocore on its own would pick them from the request)."""

    def headers_to_sign(self, request: AWSRequest) -> HTTPHeaders:
        headers: HTTPHeaders = request.headers
        return headers
