"""A small markdown builder for the job summary (``$GITHUB_STEP_SUMMARY``)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence

_BACKTICK_RUN = re.compile(r"`+")


def escape_markdown_cell(text: str) -> str:
    """Make ``text`` safe inside one table cell: ``|`` splits cells, newlines end rows."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.replace("|", "\\|").replace("\n", "<br>")


def _one_line(text: str) -> str:
    return " ".join(text.split())


class Summary:
    """Markdown blocks, rendered separated by blank lines. Methods chain."""

    def __init__(self) -> None:
        self._blocks: list[str] = []

    def _add(self, block: str) -> Summary:
        self._blocks.append(block)
        return self

    def heading(self, text: str, level: int = 2) -> Summary:
        if not 1 <= level <= 6:
            raise ValueError(f"heading level must be 1 to 6, got {level}")
        return self._add("#" * level + " " + _one_line(text))

    def paragraph(self, text: str) -> Summary:
        return self._add(text)

    def table(self, header: Sequence[str], rows: Sequence[Sequence[str]]) -> Summary:
        if not header:
            raise ValueError("a table needs at least one column")
        width = len(header)

        def row(cells: Sequence[str]) -> str:
            if len(cells) > width:
                raise ValueError(f"table row has {len(cells)} cells, header has {width}")
            padded = [*cells, *[""] * (width - len(cells))]
            return "| " + " | ".join(escape_markdown_cell(cell) for cell in padded) + " |"

        lines = [row(header), "|" + " --- |" * width, *(row(cells) for cells in rows)]
        return self._add("\n".join(lines))

    def details(self, summary: str, body: str) -> Summary:
        """A collapsed section; ``summary`` is plain text, ``body`` is markdown."""
        label = html.escape(_one_line(summary), quote=False)
        return self._add(f"<details><summary>{label}</summary>\n\n{body}\n\n</details>")

    def code(self, text: str, lang: str = "") -> Summary:
        """A fenced block whose fence is longer than any backtick run inside."""
        longest = max((len(run) for run in _BACKTICK_RUN.findall(text)), default=0)
        fence = "`" * max(3, longest + 1)
        body = text.removesuffix("\n")
        return self._add(f"{fence}{lang}\n{body}\n{fence}")

    def bullets(self, items: Iterable[str]) -> Summary:
        lines = ["- " + item.replace("\n", "\n  ") for item in items]
        return self._add("\n".join(lines)) if lines else self

    def raw(self, markdown: str) -> Summary:
        return self._add(markdown)

    def render(self) -> str:
        return "\n\n".join(self._blocks)

    def __len__(self) -> int:
        return len(self._blocks)

    def is_empty(self) -> bool:
        return not self._blocks
