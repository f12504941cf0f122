"""Problems found while reading and scoring: one line each, naming file, line and column."""

from __future__ import annotations

from dataclasses import dataclass

ERROR = "error"      # something could not be read: a row or a file was set aside
WARNING = "warning"  # read, but worth a look (unrecognised file, ambiguous dates)
INFO = "info"        # expected export furniture (footers, title rows)


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int | None
    column: str | None
    message: str
    severity: str = ERROR

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
        column = f" [{self.column}]" if self.column else ""
        return f"{where}:{column} {self.severity}: {self.message}"
