"""local.mail's Outbox: each mail moto's SES took is saved and logged once, and a mail that cannot be
saved keeps none of the later ones from being saved."""

import threading
import time
from pathlib import Path
from typing import Any

from local.mail import Outbox

RAW = "From: blog@example.org\r\nTo: {to}\r\nSubject: Hallo\r\n\r\nText\r\n"


class SentMail:
    def __init__(self, to: str) -> None:
        self.raw_data = RAW.format(to=to)
        self.destinations = [to]


class UnreadableMail:
    @property
    def raw_data(self) -> str:
        raise ValueError("not a message")


def saved(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.glob("*.eml"))


def test_a_mail_that_cannot_be_saved_is_logged_and_the_later_mail_is_saved(tmp_path: Path) -> None:
    sent: list[Any] = []
    log: list[str] = []
    outbox = Outbox(tmp_path, log.append, messages=lambda: sent)
    outbox.start()
    try:
        sent.append(UnreadableMail())
        time.sleep(0.5)
        sent.append(SentMail("reader@example.org"))
        deadline = time.monotonic() + 5
        while not saved(tmp_path) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        outbox.stop()

    assert saved(tmp_path) == ["0001-reader@example.org.eml"]
    assert any("could not be saved" in line and "not a message" in line for line in log)
    assert "MAIL reader@example.org Hallo" in log


class SlowList(list[Any]):
    """Reading an item takes a while, as when the watcher and `stop` read the same mail at once."""

    def __getitem__(self, index: Any) -> Any:
        time.sleep(0.2)
        return super().__getitem__(index)


def test_collecting_from_two_threads_at_once_saves_each_mail_once(tmp_path: Path) -> None:
    sent = SlowList()
    log: list[str] = []
    outbox = Outbox(tmp_path, log.append, messages=lambda: sent)
    sent.extend([SentMail("a@example.org"), SentMail("b@example.org")])
    together = threading.Barrier(2)

    def collect() -> None:
        together.wait(timeout=5)
        outbox.collect()

    collectors = [threading.Thread(target=collect) for _ in range(2)]
    for collector in collectors:
        collector.start()
    for collector in collectors:
        collector.join(timeout=10)

    assert saved(tmp_path) == ["0001-a@example.org.eml", "0002-b@example.org.eml"]
    assert log == ["MAIL a@example.org Hallo", "MAIL b@example.org Hallo"]
