"""Configuration, read from the environment once.

Every variable read here is declared in template.yaml (Globals), so `sam local invoke --env-vars`,
the local runtime and AWS all set the same names.
"""

import os
from enum import StrEnum
from functools import cache

from pydantic import BaseModel, ConfigDict, Field, model_validator


class ModerationMode(StrEnum):
    """`auto` publishes unless a rule holds a comment; `all` holds every comment."""

    AUTO = "auto"
    ALL = "all"


class Settings(BaseModel):
    """The deployment's parameters as the functions see them."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    table_name: str = Field(alias="TABLE_NAME", min_length=3)
    cache_max_age_seconds: int = Field(alias="CACHE_MAX_AGE_SECONDS", ge=0)
    comments_per_minute_per_client: int = Field(alias="COMMENTS_PER_MINUTE_PER_CLIENT", ge=1)
    close_comments_after_days: int = Field(alias="CLOSE_COMMENTS_AFTER_DAYS", ge=0)
    max_comment_depth: int = Field(alias="MAX_COMMENT_DEPTH", ge=1)
    max_links_before_moderation: int = Field(alias="MAX_LINKS_BEFORE_MODERATION", ge=0)
    comment_moderation: ModerationMode = Field(alias="COMMENT_MODERATION")
    spam_retention_days: int = Field(alias="SPAM_RETENTION_DAYS", ge=1)
    signing_secret_arn: str | None = Field(alias="SIGNING_SECRET_ARN", default=None, min_length=1)
    """Where the key ring is (blog.keys); only the functions that sign or hash have it."""
    cdn_enabled: bool = Field(alias="CDN_ENABLED")
    cdn_origin_secret: str = Field(alias="CDN_ORIGIN_SECRET")
    """The secret holding the header CloudFront adds to origin requests; empty without the CDN."""

    @model_validator(mode="after")
    def _cdn_needs_its_origin_secret(self) -> "Settings":
        if self.cdn_enabled and not self.cdn_origin_secret:
            raise ValueError("CDN_ENABLED needs CDN_ORIGIN_SECRET, the secret of CloudFront's origin header")
        return self


@cache
def get_settings() -> Settings:
    """The settings of this process, validated on first use."""
    return Settings.model_validate(dict(os.environ))
