"""Keeping secret values out of everything the actions print or write."""

from __future__ import annotations

REDACTED = "***"


class Masker:
    """Registered secrets, and redaction of them from text."""

    def __init__(self) -> None:
        self._secrets: set[str] = set()

    def add(self, secret: str) -> list[str]:
        """Register ``secret`` and, if multi-line, each of its non-blank lines.

        Lines are registered too because output is often printed line by line.
        Returns the values that were not registered before.
        """
        candidates = [secret, *secret.splitlines()]
        added: list[str] = []
        for value in candidates:
            if value.strip() and value not in self._secrets:
                self._secrets.add(value)
                added.append(value)
        return added

    def redact(self, text: str) -> str:
        """Replace every occurrence of every secret with ``***``.

        Overlapping or adjacent occurrences are merged first, so no fragment of
        either secret survives between two replacements.
        """
        if not self._secrets or not text:
            return text
        spans: list[tuple[int, int]] = []
        for secret in self._secrets:
            start = text.find(secret)
            while start != -1:
                spans.append((start, start + len(secret)))
                start = text.find(secret, start + 1)
        if not spans:
            return text
        spans.sort()
        merged = [spans[0]]
        for start, end in spans[1:]:
            last_start, last_end = merged[-1]
            if start <= last_end:
                merged[-1] = (last_start, max(last_end, end))
            else:
                merged.append((start, end))
        pieces: list[str] = []
        position = 0
        for start, end in merged:
            pieces.append(text[position:start])
            pieces.append(REDACTED)
            position = end
        pieces.append(text[position:])
        return "".join(pieces)
