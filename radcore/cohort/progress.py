"""Progress of a long command: a bar on a terminal, a line every few seconds otherwise (a log, a CI job)."""

from __future__ import annotations

import sys
import time
from typing import TextIO

#: seconds between two progress lines when the output is not a terminal
LINE_EVERY_S = 5.0


class ProgressBar:
    """Progress over ``total`` items of ``what`` (``"ingesting"``, ``"extracting"``) on ``stream``
    (standard error by default): a rich bar when it is a terminal, else a line such as
    ``radcore: extracting 12/20 (60 %), 8 s`` at most every :data:`LINE_EVERY_S` seconds and at the end."""

    def __init__(self, total: int, what: str, stream: TextIO | None = None):
        self.total, self.what, self.done = total, what, 0
        self.stream = stream or sys.stderr
        self.start = self.last = time.perf_counter()
        self._rich = None
        if self.stream.isatty():
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self._rich = Progress(TextColumn(what), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                                  console=Console(file=self.stream))
            self._rich.start()
            self._task = self._rich.add_task(what, total=total)

    def update(self, done: int) -> None:
        """``done`` items of :attr:`total` are finished."""
        self.done = done
        if self._rich is not None:
            self._rich.update(self._task, completed=done)
            return
        now = time.perf_counter()
        if now - self.last >= LINE_EVERY_S and done < self.total:
            self._line(now)

    def advance(self, n: int = 1) -> None:
        self.update(self.done + n)

    def close(self) -> None:
        if self._rich is not None:
            self._rich.stop()
        elif self.total:
            self._line(time.perf_counter())

    def _line(self, now: float) -> None:
        self.last = now
        share = 100.0 * self.done / self.total if self.total else 100.0
        # written, not printed: a flow that logs its prints (Prefect's log_prints) must not take the line
        self.stream.write(f"radcore: {self.what} {self.done}/{self.total} ({share:.0f} %), {now - self.start:.0f} s\n")
        self.stream.flush()

    def __enter__(self) -> "ProgressBar":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
