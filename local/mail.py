"""Mail, locally: the functions send through moto's SES (v2), and every mail sent is logged as one
line, `MAIL <to> <subject>`, and saved as an RFC 5322 `.eml` file in a folder of its own.

The functions find moto's server the standard way (AWS_ENDPOINT_URL_SESV2), with no branch in
their code. moto refuses a sender whose address or domain is not a verified identity, as SES does;
the local runtime verifies the sender (SenderIdentity, else SenderEmail's address) at start, as an
operator verifies it once in SES. The sent mail is read from moto's backend in this process (the
embedded server runs here) and written byte for byte as the function built it: moto keeps a raw
message as the text its UTF-8 decodes to, so encoding it again gives back the same bytes.

Locally SenderEmail, SenderIdentity and OwnerEmail default to the reserved domain example.org,
so `make run` mails out of the box; `--parameter-overrides SenderEmail=` (empty) turns mail off as
on AWS.
"""

import re
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from local.embedded_dynamodb import local_client
from local.sigv4 import REGION
from local.template import parameter_declarations

LOCAL_PARAMETER_DEFAULTS = {
    "SenderEmail": "blog@example.org",
    "SenderIdentity": "example.org",
    "OwnerEmail": "owner@example.org",
}
"""What the local runtime takes for these parameters, when the template declares them and the
command line does not set them: on AWS their defaults are empty (no mail)."""
MAIL_POLL_SECONDS = 0.1
_UNSAFE_IN_FILE_NAME = re.compile(r"[^A-Za-z0-9@._+-]+")


def local_parameter_defaults(template: Mapping[str, Any]) -> dict[str, str]:
    """The local defaults of the parameters this template declares."""
    declared = parameter_declarations(template)
    return {name: value for name, value in LOCAL_PARAMETER_DEFAULTS.items() if name in declared}


def sender_identities(parameters: Mapping[str, str]) -> list[str]:
    """The SES identities the functions send as: SenderIdentity (a domain or an address) and
    SenderEmail's address, those that are set."""
    identities = [parameters.get("SenderIdentity", ""), parseaddr(parameters.get("SenderEmail", ""))[1]]
    return [identity for identity in dict.fromkeys(identities) if identity]


def verify_identities(client: Any, identities: list[str]) -> None:
    """Create each identity in moto's SES (v2): moto treats an identity it holds as verified."""
    for identity in identities:
        try:
            client.create_email_identity(EmailIdentity=identity)
        except ClientError as error:
            if error.response["Error"]["Code"] != "AlreadyExistsException":
                raise


def default_mail_folder() -> Path:
    """A new folder for the mail of one run."""
    return Path(tempfile.mkdtemp(prefix="blog-mail-"))


def _sent_messages() -> list[Any]:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    messages: list[Any] = ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages
    return messages


def message_bytes(message: Any) -> bytes:
    """The RFC 5322 bytes of a message moto's SES holds.

    A raw message is the function's own bytes. A message sent as simple content (SES builds its
    MIME on AWS) is rebuilt from its parts, so that it too can be read as a file.
    """
    raw = getattr(message, "raw_data", None)
    if raw is not None:
        return str(raw).encode("utf-8")
    built = EmailMessage(policy=policy.SMTP)
    built["From"] = message.source
    destinations = message.destinations
    for header, key in (("To", "ToAddresses"), ("Cc", "CcAddresses")):
        if destinations.get(key):
            built[header] = ", ".join(destinations[key])
    built["Subject"] = message.subject
    built.set_content(message.body)
    return built.as_bytes()


def recipients(message: Any, data: bytes) -> list[str]:
    """The addresses a message went to, each once, in order."""
    destinations = message.destinations
    if isinstance(destinations, dict):
        destinations = [address for addresses in destinations.values() for address in addresses]
    if not destinations:
        parsed = message_from_bytes(data, policy=policy.default)
        destinations = [value for header in ("To", "Cc") for value in parsed.get_all(header, [])]
    return list(dict.fromkeys(address for _, address in getaddresses([str(item) for item in destinations])))


def subject_of(data: bytes) -> str:
    """A message's Subject, its encoded words decoded (German subjects read as written)."""
    return str(message_from_bytes(data, policy=policy.default).get("Subject", ""))


class Outbox:
    """Saves and logs each mail moto's SES takes, from the ones sent after it starts."""

    def __init__(
        self,
        folder: Path,
        log: Callable[[str], None],
        messages: Callable[[], list[Any]] = _sent_messages,
    ) -> None:
        self.folder = folder
        self._log = log
        self._messages = messages
        self._seen = len(messages())
        self._saved = 0
        self._collecting = threading.Lock()
        """The watcher and `stop` may collect at once: each mail is saved once."""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="outbox", daemon=True)

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.collect()

    def _watch(self) -> None:
        while not self._stop.wait(MAIL_POLL_SECONDS):
            try:
                self.collect()
            except Exception as error:
                # The watcher goes on: the mail sent later is saved and logged all the same.
                self._log(f"MAIL reading the sent mail failed: {error!r}")

    def collect(self) -> list[Path]:
        """Save and log the mail sent since the last look; the files written. A mail that cannot
        be saved is logged as such, and the next ones are saved."""
        with self._collecting:
            messages = self._messages()
            written = []
            while self._seen < len(messages):
                message = messages[self._seen]
                self._seen += 1
                try:
                    written.append(self._save(message))
                except Exception as error:
                    self._log(f"MAIL mail number {self._seen} could not be saved: {error!r}")
            return written

    def _save(self, message: Any) -> Path:
        data = message_bytes(message)
        to = recipients(message, data)
        self._saved += 1
        name = _UNSAFE_IN_FILE_NAME.sub("_", to[0] if to else "unknown")
        path = self.folder / f"{self._saved:04d}-{name}.eml"
        path.write_bytes(data)
        self._log(f"MAIL {', '.join(to)} {subject_of(data)}")
        return path


@contextmanager
def local_mail(
    parameters: Mapping[str, str], moto_endpoint: str, folder: Path, log: Callable[[str], None]
) -> Iterator[Outbox]:
    """moto's SES ready for the functions' sender, and each mail saved to `folder` and logged,
    while the block runs."""
    verify_identities(local_client("sesv2", moto_endpoint), sender_identities(parameters))
    outbox = Outbox(folder, log)
    outbox.start()
    try:
        yield outbox
    finally:
        outbox.stop()
