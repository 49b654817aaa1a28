"""The blog's mails, built with the standard library's `email` package and sent through SES v2.

Each mail is RFC 5322 with a plain-text part and an HTML alternative (everything a reader wrote is
escaped), headers with non-ASCII text encoded as RFC 2047 words (German names and subjects survive),
bodies in quoted-printable UTF-8. It is sent as raw MIME (SendEmail with `Content.Raw`), so that
headers such as `List-Unsubscribe` reach the reader as written, naming the configuration set that
routes bounces and complaints to the suppression list.
"""

import html
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid
from functools import cache
from typing import TYPE_CHECKING, Any

from blog.settings import NotifySettings

if TYPE_CHECKING:
    from datetime import datetime

MAIL_POLICY = SMTP.clone(max_line_length=998)
"""SMTP's policy with RFC 5322's hard line limit: at 78 a long `List-Unsubscribe` URL is folded into
RFC 2047 encoded words, which RFC 2369 and 8058 forbid there (no one-click unsubscribe then).
Non-ASCII text (a German subject) is still encoded."""
# SES answers in well under a second; a send that hangs is retried by the stream, not here for long.
MAX_ATTEMPTS = 3
CONNECT_TIMEOUT_SECONDS = 1.0
READ_TIMEOUT_SECONDS = 3.0


@dataclass(frozen=True)
class Link:
    """A labelled link in a mail's text."""

    label: str
    url: str


@dataclass(frozen=True)
class Mail:
    """What a mail says, before it is a MIME message."""

    to: str
    subject: str
    paragraphs: tuple[str, ...]
    """Plain text, each one paragraph (a reader's text keeps its own line breaks)."""
    links: tuple[Link, ...] = ()
    unsubscribe_url: str | None = None
    """A reader's one-click unsubscribe link (RFC 8058 headers), for mails they get again and again."""


def message_of(mail: Mail, settings: NotifySettings, *, now: "datetime") -> EmailMessage:
    """The RFC 5322 message of `mail`, from the blog (SenderEmail, BlogTitle)."""
    message = EmailMessage(policy=MAIL_POLICY)
    local_part, _, domain = settings.sender_email.rpartition("@")
    message["From"] = Address(display_name=settings.blog_title, username=local_part, domain=domain)
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(domain=domain)
    message["Content-Language"] = settings.blog_language
    # RFC 3834: a machine wrote this; well-behaved autoresponders do not answer it.
    message["Auto-Submitted"] = "auto-generated"
    if mail.unsubscribe_url is not None:
        message["List-Unsubscribe"] = f"<{mail.unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(_text(mail), cte="quoted-printable")
    message.add_alternative(_html(mail, settings), subtype="html", cte="quoted-printable")
    return message


def _text(mail: Mail) -> str:
    lines = [*mail.paragraphs, *(f"{link.label}:\n{link.url}" for link in mail.links)]
    return "\n\n".join(lines) + "\n"


def _html(mail: Mail, settings: NotifySettings) -> str:
    paragraphs = "".join(
        f'<p style="white-space: pre-wrap">{html.escape(paragraph)}</p>' for paragraph in mail.paragraphs
    )
    links = "".join(
        f'<p><a href="{html.escape(link.url)}">{html.escape(link.label)}</a></p>' for link in mail.links
    )
    return (
        f'<!DOCTYPE html><html lang="{html.escape(settings.blog_language)}"><head><meta charset="utf-8">'
        f"<title>{html.escape(mail.subject)}</title></head><body>{paragraphs}{links}</body></html>\n"
    )


@cache
def ses_client() -> Any:
    """This process's SES v2 client, made on first need (AWS_ENDPOINT_URL_SESV2 points it elsewhere)."""
    import boto3
    from botocore.config import Config

    config = Config(
        retries={"mode": "standard", "total_max_attempts": MAX_ATTEMPTS},
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        read_timeout=READ_TIMEOUT_SECONDS,
    )
    return boto3.client("sesv2", config=config)


class MailFailed(Exception):
    """SES did not take a mail; the stream retries the record."""


def send(message: EmailMessage, settings: NotifySettings) -> None:
    """Send `message` as raw MIME through SES v2 from SenderEmail, naming the configuration set."""
    from botocore.exceptions import BotoCoreError, ClientError

    request: dict[str, Any] = {
        "FromEmailAddress": settings.sender_email,
        "Destination": {"ToAddresses": [str(message["To"])]},
        "Content": {"Raw": {"Data": message.as_bytes(policy=MAIL_POLICY)}},
    }
    if settings.ses_configuration_set:
        request["ConfigurationSetName"] = settings.ses_configuration_set
    try:
        ses_client().send_email(**request)
    except ClientError as error:
        # The code only: SES's message may name the recipient, and this ends in the logs.
        raise MailFailed(str(error.response.get("Error", {}).get("Code", "ClientError"))) from error
    except BotoCoreError as error:
        raise MailFailed(type(error).__name__) from error
