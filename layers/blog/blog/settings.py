"""Configuration, read from the environment once.

Every variable read here is declared in template.yaml (Globals), so `sam local invoke --env-vars`,
the local runtime and AWS all set the same names.
"""

import os
from enum import StrEnum
from functools import cache

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


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
    held_comment_retention_days: int = Field(alias="HELD_COMMENT_RETENTION_DAYS", ge=1)
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


class FeedSettings(BaseModel):
    """What the feeds function reads beyond `Settings`: where the static site shows a post and a
    comment, the blog's name and language, and how long a feed may be cached."""

    # Built on first use: only the feeds function validates it.
    model_config = ConfigDict(frozen=True, extra="ignore", defer_build=True)

    post_url_template: str = Field(alias="POST_URL_TEMPLATE", pattern=r"^https?://[^/\s]+.*\{slug\}")
    comment_url_template: str = Field(alias="COMMENT_URL_TEMPLATE", pattern=r"^https?://[^/\s]+.*\{slug\}")
    feed_max_age_seconds: int = Field(alias="FEED_MAX_AGE_SECONDS", ge=0)
    blog_title: str = Field(alias="BLOG_TITLE", min_length=1)
    blog_language: str = Field(alias="BLOG_LANGUAGE", min_length=2)
    public_api_url: str = Field(
        alias="PUBLIC_API_URL", default="", pattern=r"^(https?://[^/\s?#]+(/[^\s?#]*[^/\s?#])?)?$"
    )
    """The API's public base URL (template.yaml, PublicApiUrl); empty: the URL the request came to."""

    @field_validator("comment_url_template")
    @classmethod
    def _names_the_comment(cls, template: str) -> str:
        if "{id}" not in template:
            raise ValueError("must have the placeholder {id}")
        return template

    def post_url(self, slug: str) -> str:
        """Where the static site shows a post."""
        return self.post_url_template.replace("{slug}", slug)

    def comment_url(self, slug: str, comment_id: str) -> str:
        """Where the static site shows a comment."""
        return self.comment_url_template.replace("{slug}", slug).replace("{id}", comment_id)


class OwnerNotify(StrEnum):
    """Which new comments the owner is mailed about: held ones (default), all, or none."""

    HELD = "held"
    ALL = "all"
    NONE = "none"


_URL_BASE = r"^(https?://[^/\s?#]+(/[^\s?#]*[^/\s?#])?)?$"


class NotifySettings(BaseModel):
    """What the notify function reads beyond `Settings` (template.yaml, NotifyFunction): who mails
    whom, where links point, and the webhook."""

    # Built on first use: only the notify function validates it.
    model_config = ConfigDict(frozen=True, extra="ignore", defer_build=True)

    sender_email: str = Field(alias="SENDER_EMAIL", default="", pattern=r"^([^@\s]+@[^@\s]+)?$")
    """The From address; empty: nothing is mailed."""
    owner_email: str = Field(alias="OWNER_EMAIL", default="", pattern=r"^([^@\s]+@[^@\s]+)?$")
    owner_notify: OwnerNotify = Field(alias="OWNER_NOTIFY", default=OwnerNotify.HELD)
    ses_configuration_set: str = Field(alias="SES_CONFIGURATION_SET", default="")
    """The SES configuration set every mail names (bounces and complaints); empty when nothing is mailed."""
    webhook_url: str = Field(alias="WEBHOOK_URL", default="", pattern=r"^(https?://\S+)?$")
    """Where events are posted; empty: no webhook."""
    post_url_template: str = Field(alias="POST_URL_TEMPLATE", pattern=r"^https?://[^/\s]+.*\{slug\}")
    comment_url_template: str = Field(alias="COMMENT_URL_TEMPLATE", pattern=r"^https?://[^/\s]+.*\{slug\}")
    blog_title: str = Field(alias="BLOG_TITLE", min_length=1)
    blog_language: str = Field(alias="BLOG_LANGUAGE", min_length=2)
    mail_link_base_url: str = Field(alias="MAIL_LINK_BASE_URL", pattern=_URL_BASE, min_length=1)
    """The base of mail-action links: PublicApiUrl, else the CDN's URL, else the execute-api URL."""

    @property
    def mails(self) -> bool:
        """Whether anything is mailed at all."""
        return bool(self.sender_email)

    @property
    def mails_owner(self) -> bool:
        """Whether the owner is mailed about new comments."""
        return self.mails and bool(self.owner_email) and self.owner_notify is not OwnerNotify.NONE

    @property
    def german(self) -> bool:
        """Whether mails are in German (BlogLanguage `de`, `de-AT`, ...); else in English."""
        return self.blog_language.lower().split("-")[0] == "de"

    def post_url(self, slug: str) -> str:
        """Where the static site shows a post."""
        return self.post_url_template.replace("{slug}", slug)

    def comment_url(self, slug: str, comment_id: str) -> str:
        """Where the static site shows a comment."""
        return self.comment_url_template.replace("{slug}", slug).replace("{id}", comment_id)


@cache
def get_notify_settings() -> NotifySettings:
    """The notify settings of this process, validated on first use (the notify function only)."""
    return NotifySettings.model_validate(dict(os.environ))


class ActionPageSettings(BaseModel):
    """What the pages of mail links (/actions) read beyond `Settings`: the blog's name and language,
    and where the static site shows a post."""

    # Built on first use: only the mail-actions function validates it.
    model_config = ConfigDict(frozen=True, extra="ignore", defer_build=True)

    blog_title: str = Field(alias="BLOG_TITLE", min_length=1)
    blog_language: str = Field(alias="BLOG_LANGUAGE", min_length=2)
    post_url_template: str = Field(alias="POST_URL_TEMPLATE", pattern=r"^https?://[^/\s]+.*\{slug\}")

    def post_url(self, slug: str) -> str:
        """Where the static site shows a post."""
        return self.post_url_template.replace("{slug}", slug)


@cache
def get_action_page_settings() -> ActionPageSettings:
    """The mail-action page settings of this process, validated on first use."""
    return ActionPageSettings.model_validate(dict(os.environ))


@cache
def get_feed_settings() -> FeedSettings:
    """The feed settings of this process, validated on first use (the feeds function only)."""
    return FeedSettings.model_validate(dict(os.environ))


@cache
def get_settings() -> Settings:
    """The settings of this process, validated on first use."""
    return Settings.model_validate(dict(os.environ))
