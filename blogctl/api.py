"""The blog's HTTP API as an operator calls it: admin requests signed with SigV4."""

import json
from dataclasses import dataclass
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode, urlsplit
from urllib.request import Request, urlopen

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import ReadOnlyCredentials

SERVICE = "execute-api"
TIMEOUT_SECONDS = 30


class ApiError(Exception):
    """The API refused a request; `problem` is its answer (problem+json, or API Gateway's own)."""

    def __init__(self, status: int, problem: dict[str, Any], method: str, path: str) -> None:
        self.status = status
        self.problem = problem
        detail = problem.get("detail") or problem.get("message") or "no detail"
        super().__init__(f"{method} {path} answered {status}: {detail}")


class Unreachable(Exception):
    """No answer from the API at all."""


@dataclass(frozen=True)
class BlogApi:
    """A blog's API at `base_url`, signing admin requests with `credentials` for `region`."""

    base_url: str
    credentials: ReadOnlyCredentials | None
    region: str

    def call(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        query: dict[str, str] | None = None,
        signed: bool = True,
    ) -> Any:
        """The JSON answer of one request (None for 204); ApiError for any 4xx or 5xx."""
        url = self.base_url.rstrip("/") + path + (f"?{urlencode(query)}" if query else "")
        data = None if body is None else json.dumps(body, ensure_ascii=False).encode()
        headers = {"Accept": "application/json"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        if signed:
            headers = self._signed_headers(method, url, headers, data)
        request = Request(url, data=data, headers=headers, method=method)  # noqa: S310 (http(s) only)
        try:
            with urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
                answer = response.read()
        except HTTPError as error:
            raise ApiError(error.code, _problem(error.read()), method, path) from error
        except URLError as error:
            raise Unreachable(f"{self.base_url} does not answer: {error.reason}") from error
        return json.loads(answer) if answer else None

    def _signed_headers(
        self, method: str, url: str, headers: dict[str, str], data: bytes | None
    ) -> dict[str, str]:
        if self.credentials is None:
            raise Unreachable("no AWS credentials found: set a profile (--profile), the environment, or SSO")
        request = AWSRequest(method=method, url=url, data=data or b"", headers=dict(headers))
        request.headers["Host"] = urlsplit(url).netloc
        SigV4Auth(self.credentials, SERVICE, self.region).add_auth(request)
        return dict(request.headers.items())

    def all_pages(self, path: str, *, query: dict[str, str] | None = None, signed: bool = True) -> list[Any]:
        """Every item of a paged list, following `next_cursor`."""
        items: list[Any] = []
        cursor = None
        while True:
            page_query = dict(query or {}) | ({"cursor": cursor} if cursor else {})
            page = self.call("GET", path, query=page_query or None, signed=signed)
            items.extend(page["items"])
            cursor = page.get("next_cursor")
            if not cursor:
                return items


def _problem(raw: bytes) -> dict[str, Any]:
    try:
        problem = json.loads(raw)
    except ValueError:
        return {"detail": raw.decode(errors="replace")[:200]}
    return problem if isinstance(problem, dict) else {"detail": str(problem)}
