"""What the local runtime prints: one line at a time, whichever thread prints it."""

import sys
import threading
from typing import TextIO


class Console:
    """Lines to one stream. Log lines (requests, function output) can be held back for a while."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream or sys.stdout
        self._lock = threading.Lock()
        self.quiet = False
        """While True, log lines are dropped: the demo content loads without a line per request."""

    def line(self, text: str) -> None:
        """Print a line now."""
        with self._lock:
            print(text, file=self._stream, flush=True)

    def log(self, text: str) -> None:
        """Print a log line, unless the console is quiet."""
        if not self.quiet:
            self.line(text)

    def function_log(self, function_id: str, text: str) -> None:
        """A line a function printed, under its name."""
        self.log(f"{function_id} | {text}")
