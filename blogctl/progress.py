"""Progress of a long command on stderr: a bar redrawn in place on a terminal, plain lines at every
tenth of the way otherwise (a log file or CI gets ten lines, not thousands)."""

import time
from typing import IO, Protocol

BAR_WIDTH = 30
_REDRAW_SECONDS = 0.1
_LINE_STEPS = 10


class Rewindable(Protocol):
    """A binary file read from the start, then from the start again."""

    def read(self, size: int = -1, /) -> bytes: ...

    def seek(self, offset: int, /) -> int: ...


class CountingReader:
    """A binary file that counts the bytes read from it, so progress can follow a streaming parser;
    reading it again from the start counts on."""

    def __init__(self, source: Rewindable) -> None:
        self._source = source
        self.consumed = 0

    def read(self, size: int = -1, /) -> bytes:
        chunk = self._source.read(size)
        self.consumed += len(chunk)
        return chunk

    def seek(self, offset: int, /) -> int:
        return self._source.seek(offset)


class Progress:
    """How far a command is, out of `total` (bytes of a file, posts of a table)."""

    def __init__(self, stream: IO[str], total: int, *, label: str) -> None:
        self._stream = stream
        self._total = max(total, 1)
        self._label = label
        self._on_terminal = stream.isatty()
        self._last_drawn = 0.0
        self._last_step = 0
        self._text = ""

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *failure: object) -> None:
        # Stopped midway: the message that follows starts on a line of its own.
        if failure[0] is not None and self._on_terminal and self._text:
            self._stream.write("\n")
            self._stream.flush()

    def update(self, done: int, counts: str) -> None:
        """`done` out of the total so far; `counts` says what that amounts to ("12 posts, ...")."""
        fraction = min(done / self._total, 1.0)
        if self._on_terminal:
            now = time.monotonic()
            if now - self._last_drawn >= _REDRAW_SECONDS:
                self._last_drawn = now
                self._draw(fraction, counts)
            return
        # A parser reads ahead, so the file may be all read before the last items are done: the
        # last line is finish's, with the final counts.
        step = min(int(fraction * _LINE_STEPS), _LINE_STEPS - 1)
        if step > self._last_step:
            self._last_step = step
            self._line(f"{step * 100 // _LINE_STEPS}% ({counts})")

    def finish(self, counts: str) -> None:
        """The end, with the final counts; what follows starts on a line of its own."""
        if self._on_terminal:
            self._draw(1.0, counts)
            self._stream.write("\n")
            self._stream.flush()
        else:
            self._line(f"done ({counts})")

    def _draw(self, fraction: float, counts: str) -> None:
        filled = round(fraction * BAR_WIDTH)
        bar = "#" * filled + "." * (BAR_WIDTH - filled)
        text = f"\r{self._label} [{bar}] {fraction:4.0%}  {counts}"
        # Pad over what a longer line before left on the screen.
        self._stream.write(text.ljust(len(self._text)))
        self._text = text
        self._stream.flush()

    def _line(self, text: str) -> None:
        self._stream.write(f"{self._label}: {text}\n")
        self._stream.flush()
