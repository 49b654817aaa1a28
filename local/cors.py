"""CORS as an API Gateway HTTP API with a `CorsConfiguration` answers it.

The gateway answers preflight requests itself (they never reach a function), adds the configured
headers to the answers for an allowed origin, nothing for any other origin, and ignores CORS headers
a function returns.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

ANY = "*"
CORS_HEADER_PREFIX = "access-control-"


def is_preflight(method: str, headers: Mapping[str, str]) -> bool:
    """Whether a request is a CORS preflight. `headers` has lower-case names."""
    return method == "OPTIONS" and "origin" in headers and "access-control-request-method" in headers


def _names(values: Any) -> tuple[str, ...]:
    return tuple(str(value) for value in values or ())


@dataclass(frozen=True)
class CorsPolicy:
    """A `CorsConfiguration` of the template, resolved."""

    allow_origins: tuple[str, ...]
    allow_methods: tuple[str, ...] = ()
    allow_headers: tuple[str, ...] = ()
    expose_headers: tuple[str, ...] = ()
    max_age_seconds: int | None = None
    allow_credentials: bool = False

    @classmethod
    def from_configuration(cls, configuration: Mapping[str, Any]) -> "CorsPolicy":
        """The policy of a CorsConfiguration as SAM writes it (`AllowOrigins`, `MaxAge`, ...)."""
        max_age = configuration.get("MaxAge")
        return cls(
            allow_origins=_names(configuration.get("AllowOrigins")),
            allow_methods=_names(configuration.get("AllowMethods")),
            allow_headers=_names(configuration.get("AllowHeaders")),
            expose_headers=_names(configuration.get("ExposeHeaders")),
            max_age_seconds=None if max_age is None else int(max_age),
            allow_credentials=bool(configuration.get("AllowCredentials", False)),
        )

    def _allowed_origin(self, origin: str | None) -> str | None:
        """The Access-Control-Allow-Origin for `origin`, or None when it is not allowed."""
        if origin is None:
            return None
        if ANY in self.allow_origins:
            return ANY
        return origin if origin in self.allow_origins else None

    def _origin_headers(self, allowed_origin: str) -> dict[str, str]:
        headers = {"Access-Control-Allow-Origin": allowed_origin}
        if self.allow_credentials:
            headers["Access-Control-Allow-Credentials"] = "true"
        if allowed_origin != ANY:
            # The answer differs by origin, so a cache must not hand it to another origin.
            headers["Vary"] = "Origin"
        return headers

    def preflight_headers(self, headers: Mapping[str, str]) -> dict[str, str]:
        """The headers of the answer to a preflight; none when the origin, the method or a header
        it asks for is not allowed (the browser then refuses the request). Lower-case `headers`."""
        allowed_origin = self._allowed_origin(headers.get("origin"))
        if allowed_origin is None:
            return {}
        method = headers.get("access-control-request-method", "").strip().upper()
        if ANY not in self.allow_methods and method not in {m.upper() for m in self.allow_methods}:
            return {}
        requested = [
            name.strip().lower() for name in headers.get("access-control-request-headers", "").split(",")
        ]
        allowed_headers = {name.lower() for name in self.allow_headers}
        if ANY not in allowed_headers and not all(not name or name in allowed_headers for name in requested):
            return {}
        answer = self._origin_headers(allowed_origin)
        if self.allow_methods:
            answer["Access-Control-Allow-Methods"] = ",".join(self.allow_methods)
        if self.allow_headers:
            answer["Access-Control-Allow-Headers"] = ",".join(self.allow_headers)
        if self.max_age_seconds is not None:
            answer["Access-Control-Max-Age"] = str(self.max_age_seconds)
        return answer

    def response_headers(self, origin: str | None) -> dict[str, str]:
        """The headers added to the answer of an actual request from `origin`; none for a foreign one."""
        allowed_origin = self._allowed_origin(origin)
        if allowed_origin is None:
            return {}
        answer = self._origin_headers(allowed_origin)
        if self.expose_headers:
            answer["Access-Control-Expose-Headers"] = ",".join(self.expose_headers)
        return answer
