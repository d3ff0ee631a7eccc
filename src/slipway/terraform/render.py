"""Markdown for a plan: a pull-request comment and a job summary, always within a size limit.

Reviewers' complaints about plan comments are length, noise and leaked secrets, so:
destructive changes come first and are the last thing cut; each resource is one bullet with
at most a short diff of what changes; values that Terraform marks sensitive were already
masked by the model. The full plan text passed in is the output of
``terraform show -no-color <planfile>``, which prints ``(sensitive value)`` in place of
sensitive values — never pass ``show -json`` output or anything carrying variable values.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from slipway.gha.summary import Summary
from slipway.terraform.attributes import SENSITIVE, UNKNOWN
from slipway.terraform.plan import Plan, ResourceChange

COMMENT_LIMIT = 65536  # GitHub's limit on an issue comment body (characters)
SUMMARY_LIMIT = 1024 * 1024  # GitHub's limit on one step's job summary (bytes)
NO_CHANGES = "No changes. Infrastructure matches the configuration."

_BACKTICKS = re.compile(r"`+")

# Groups after the destructive block, in reading order: (heading, selector).
_GROUPS: tuple[tuple[str, str], ...] = (
    ("🟢 Create", "create"),
    ("🟡 Update in place", "update"),
    ("🚚 Move", "move"),
    ("📥 Import", "import"),
    ("🔓 Forget (removed from state, not destroyed)", "forget"),
    ("🔍 Read", "read"),
)


def one_line_counts(plan: Plan) -> str:
    """Terraform's own summary line, extended with replaces, imports, moves and forgets."""
    counts = plan.counts
    if counts.total == 0:
        changed_outputs = sum(o.action != "no-op" for o in plan.outputs)
        if changed_outputs:
            noun = "output value" if changed_outputs == 1 else "output values"
            return f"No resource changes. {changed_outputs} {noun} to change."
        return NO_CHANGES
    parts = [f"{counts.add} to add", f"{counts.change} to change", f"{counts.destroy} to destroy"]
    extra = (
        (counts.replace, "to replace"),
        (counts.imports, "to import"),
        (counts.moves, "to move"),
        (counts.forget, "to forget"),
        (counts.read, "to read"),
    )
    parts += [f"{n} {label}" for n, label in extra if n]
    return "Plan: " + ", ".join(parts) + "."


def code(text: str) -> str:
    """Inline code that survives backticks inside ``text``."""
    if "`" not in text:
        return f"`{text}`"
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _markers(change: ResourceChange) -> str:
    notes = []
    if change.moved_from and change.action != "no-op":
        notes.append(f"moved from {code(change.moved_from)}")
    if change.importing and change.action != "no-op":
        notes.append("imported")
    if change.deposed:
        notes.append(f"deposed object {code(change.deposed)}")
    if change.reason and change.action in ("delete", "replace", "forget", "read"):
        notes.append(change.reason)
    return f" — {'; '.join(notes)}" if notes else ""


def _value(text: str | None) -> str:
    # Markers stay plain text; values are JSON, so a string "(sensitive)" keeps its quotes.
    if text is None:
        return "(none)"
    return text if text in (SENSITIVE, UNKNOWN) else code(text)


def _diff_lines(change: ResourceChange) -> list[str]:
    lines = []
    computed = []
    for attr in change.attributes:
        if attr.after == UNKNOWN and not attr.forces_replacement:
            computed.append(code(attr.name))
            continue
        old, new = _value(attr.before), _value(attr.after)
        forces = " (forces replacement)" if attr.forces_replacement else ""
        lines.append(f"{code(attr.name)}: {old} → {new}{forces}")
    if computed:
        lines.append("known after apply: " + ", ".join(computed))
    if change.more_attributes:
        lines.append(f"… and {change.more_attributes} more attributes")
    return lines


def render_item(change: ResourceChange) -> str:
    """One bullet's text: the address, markers, and an indented short diff."""
    head = code(change.address)
    if change.action == "no-op" and change.moved_from:
        head = f"{code(change.moved_from)} → {head}"
    lines = [head + _markers(change)]
    lines += [f"  - {line}" for line in _diff_lines(change)]
    return "\n".join(lines)


def _group_of(change: ResourceChange) -> str:
    if change.action == "no-op":
        return "move" if change.moved_from else "import"
    return change.action


def _size(text: str) -> int:
    # Bytes, which are never fewer than characters: the result fits either kind of limit.
    return len(text.encode("utf-8"))


def _lines_of(text: str) -> int:
    return text.count("\n") + 1


class _Section:
    """A list of bullets rendered only as far as a size limit needs.

    Sizes are in UTF-8 bytes. ``quoted`` sections (the destructive warning) prefix every
    line with ``"> "``. Item ``i`` costs ``_sizes[i + 1] - _sizes[i]`` bytes as a bullet,
    without the newline that separates it from the next line.
    """

    def __init__(
        self,
        heading: str,
        changes: Sequence[ResourceChange],
        *,
        quoted: bool = False,
        render: Callable[[ResourceChange], str] = render_item,
    ) -> None:
        self.heading = heading
        self._changes = changes
        self._render = render
        self._quoted = quoted
        self._items: list[str] = []
        self._sizes = [0]  # prefix sums of bullet sizes

    def __len__(self) -> int:
        return len(self._changes)

    def _render_upto(self, count: int, cap: int) -> None:
        """Render items until ``count`` are ready or those ready exceed ``cap`` bytes."""
        items, sizes, changes = self._items, self._sizes, self._changes
        total = sizes[-1]
        extra = 2 if self._quoted else 0
        while len(items) < count and total <= cap:
            item = self._render(changes[len(items)])
            lines = _lines_of(item)
            # "- " and the two-space indent of each continuation line, plus the quote marks.
            total += _size(item) + 2 + 2 * (lines - 1) + extra * lines
            items.append(item)
            sizes.append(total)

    def items(self, keep: int | None) -> list[str]:
        shown = len(self) if keep is None else min(keep, len(self))
        self._render_upto(shown, cap=_UNCAPPED)
        return self._items[:shown]

    def bullets_size(self, keep: int | None, cap: int) -> int:
        """The size of this section's bullets keeping ``keep``; more than ``cap`` if over it."""
        shown = len(self) if keep is None else min(keep, len(self))
        self._render_upto(shown, cap)
        if len(self._items) < shown:  # stopped early: already over the cap
            return cap + 1
        size = self._sizes[shown]
        lines = shown
        if shown < len(self):
            size += _size(_more(len(self) - shown)) + (2 if self._quoted else 0)
            lines += 1
        return size + max(lines - 1, 0)


_UNCAPPED = 1 << 62


def _more(count: int) -> str:
    return f"- … and {count} more"


def _sections(plan: Plan) -> tuple[_Section, list[_Section]]:
    destroys = [c for c in plan.changes if c.action in ("delete", "replace")]
    buckets: dict[str, list[ResourceChange]] = {key: [] for _, key in _GROUPS}
    for change in plan.changes:
        group = _group_of(change)
        if group in buckets:
            buckets[group].append(change)
    groups = [
        _Section(f"{title} ({len(buckets[key])})", buckets[key])
        for title, key in _GROUPS
        if buckets[key]
    ]
    return _Section("destroy", destroys, quoted=True, render=_destructive_item), groups


def _destructive_item(change: ResourceChange) -> str:
    return f"**{'destroy' if change.action == 'delete' else 'replace'}** {render_item(change)}"


def _bullets(items: Sequence[str], total: int) -> str:
    lines = ["- " + item.replace("\n", "\n  ") for item in items]
    if len(items) < total:
        lines.append(_more(total - len(items)))
    return "\n".join(lines)


def _warning_head(count: int) -> str:
    noun = "resource" if count == 1 else "resources"
    return f"> [!WARNING]\n> **⚠️ {count} {noun} will be destroyed or replaced:**\n>\n"


def _warning(section: _Section, keep: int | None) -> str:
    # Every line of the bullets is non-empty, so each one takes the "> " quote prefix.
    bullets = _bullets(section.items(keep), len(section))
    return _warning_head(len(section)) + "> " + bullets.replace("\n", "\n> ")


def _group_head(section: _Section) -> str:
    return f"**{section.heading}**\n\n"


def _outputs_line(plan: Plan) -> str | None:
    changed = [o for o in plan.outputs if o.action != "no-op"]
    if not changed:
        return None
    parts = [f"{code(o.name)} ({o.action}{', sensitive' if o.sensitive else ''})" for o in changed]
    return "**Outputs:** " + ", ".join(parts)


def _compose(
    head: Summary,
    destructive: _Section,
    groups: Sequence[_Section],
    footer: Sequence[str],
    *,
    keep_destructive: int | None,
    keep_others: int | None,
) -> str:
    doc = Summary().raw(head.render())
    if len(destructive):
        doc.raw(_warning(destructive, keep_destructive))
    for group in groups:
        doc.raw(_group_head(group) + _bullets(group.items(keep_others), len(group)))
    for block in footer:
        doc.raw(block)
    return doc.render() + "\n"


class _Layout:
    """The size ``_compose`` would give each choice of kept items, without composing it."""

    def __init__(
        self,
        head: Summary,
        destructive: _Section,
        groups: Sequence[_Section],
        footer: Sequence[str],
        limit: int,
    ) -> None:
        self.destructive = destructive
        self.groups = groups
        self.limit = limit
        blocks = [head.render(), *(_group_head(g) for g in groups), *footer]
        fixed = sum(_size(block) for block in blocks)
        if len(destructive):
            blocks.append("")
            fixed += _size(_warning_head(len(destructive)))
        # Blocks are separated by a blank line; the document ends with a newline.
        self.fixed = fixed + 2 * (len(blocks) - 1) + 1

    def size(self, keep_destructive: int | None, keep_others: int | None) -> int:
        """The composed size in bytes, or more than the limit if it would not fit."""
        total = self.fixed
        if len(self.destructive):
            total += self.destructive.bullets_size(keep_destructive, self.limit - total)
        for group in self.groups:
            if total > self.limit:
                break
            total += group.bullets_size(keep_others, self.limit - total)
        return total


def _fit(
    head: Summary,
    destructive: _Section,
    groups: Sequence[_Section],
    footer: Sequence[str],
    *,
    limit: int,
    keep_destructive: int | None,
) -> str | None:
    """The longest rendering within ``limit`` cutting only the non-destructive lists."""
    layout = _Layout(head, destructive, groups, footer, limit)
    keep_others: int | None = None
    if layout.size(keep_destructive, None) > limit:
        low, high = 0, max((len(g) for g in groups), default=0)
        keep_others = None
        while low <= high:  # binary search on items kept per group
            keep = (low + high) // 2
            if layout.size(keep_destructive, keep) <= limit:
                keep_others, low = keep, keep + 1
            else:
                high = keep - 1
        if keep_others is None:
            return None
    return _compose(
        head,
        destructive,
        groups,
        footer,
        keep_destructive=keep_destructive,
        keep_others=keep_others,
    )


def _pointer(details_url: str | None) -> str:
    where = "the job summary and the plan store"
    if details_url:
        where = f"[{where}]({details_url})"
    return f"The full plan is too long to show here: see {where}."


def render_plan(
    plan: Plan,
    *,
    title: str,
    full_plan_text: str | None = None,
    details_url: str | None = None,
    limit: int = COMMENT_LIMIT,
) -> str:
    """Markdown for ``plan`` never longer than ``limit`` (in UTF-8 bytes, so in characters).

    What gives way, in order: the full plan text (replaced by a pointer to
    ``details_url``), then the lists of creates, updates and other changes ("… and N
    more"), and only then the list of destroys and replaces. The counts always stay.
    """
    head = Summary().heading(f"Terraform plan: {title}" if title else "Terraform plan")
    if plan.errored:
        head.paragraph(
            "⛔ **Terraform reported errors: this plan is incomplete and cannot be applied.**"
        )
    head.paragraph(f"**{one_line_counts(plan)}**")
    destructive, groups = _sections(plan)
    outputs = _outputs_line(plan)
    notes = [outputs] if outputs else []
    if plan.drift:
        notes.append(
            f"Note: {len(plan.drift)} objects changed outside Terraform since the last apply "
            "(see the full plan)."
        )

    if full_plan_text:
        full = Summary().details("Full plan", Summary().code(full_plan_text).render()).render()
        footer = [*notes, full]
        if _Layout(head, destructive, groups, footer, limit).size(None, None) <= limit:
            return _compose(
                head, destructive, groups, footer, keep_destructive=None, keep_others=None
            )
    footer = [*notes, _pointer(details_url)] if full_plan_text or details_url else notes
    for keep_destructive in (None, *_shrinking(len(destructive))):
        text_or_none = _fit(
            head, destructive, groups, footer, limit=limit, keep_destructive=keep_destructive
        )
        if text_or_none is not None:
            return text_or_none
    # Even the counts alone do not fit: a limit this small is a caller's mistake.
    text = Summary().raw(head.render()).render() + "\n"
    return text if _size(text) <= limit else text.encode()[: max(limit, 0)].decode(errors="ignore")


def _shrinking(count: int) -> list[int]:
    steps = []
    keep = count
    while keep > 0:
        keep //= 2
        steps.append(keep)
    return steps


def render_comment(
    plan: Plan,
    *,
    title: str,
    full_plan_text: str | None = None,
    details_url: str | None = None,
    limit: int = COMMENT_LIMIT,
) -> str:
    """The pull-request comment for ``plan``: under GitHub's 65,536-character limit."""
    return render_plan(
        plan, title=title, full_plan_text=full_plan_text, details_url=details_url, limit=limit
    )


def render_summary(
    plan: Plan,
    *,
    title: str,
    full_plan_text: str | None = None,
    details_url: str | None = None,
    limit: int = SUMMARY_LIMIT,
) -> str:
    """The job summary for ``plan``: the same content, within the 1 MiB step-summary limit."""
    return render_plan(
        plan, title=title, full_plan_text=full_plan_text, details_url=details_url, limit=limit
    )
