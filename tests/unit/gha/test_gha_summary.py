from __future__ import annotations

import pytest

from slipway.gha import Summary, escape_markdown_cell


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("plain", "plain"),
        ("a|b", "a\\|b"),
        ("line1\nline2", "line1<br>line2"),
        ("a\r\nb\rc", "a<br>b<br>c"),
        ("|\n|", "\\|<br>\\|"),
    ],
)
def test_escape_markdown_cell(text: str, escaped: str) -> None:
    assert escape_markdown_cell(text) == escaped


def test_empty_summary() -> None:
    summary = Summary()
    assert summary.is_empty()
    assert len(summary) == 0
    assert summary.render() == ""


def test_blocks_are_chained_and_separated_by_blank_lines() -> None:
    summary = Summary().heading("Deploy").paragraph("All good.").raw("<hr>")
    assert not summary.is_empty()
    assert len(summary) == 3
    assert summary.render() == "## Deploy\n\nAll good.\n\n<hr>"


def test_heading_levels() -> None:
    assert Summary().heading("Title", level=1).render() == "# Title"
    assert Summary().heading("multi\nline", level=3).render() == "### multi line"
    with pytest.raises(ValueError):
        Summary().heading("x", level=0)
    with pytest.raises(ValueError):
        Summary().heading("x", level=7)


def test_table_escapes_cells() -> None:
    summary = Summary().table(
        ["Service", "Image"],
        [["web|api", "repo:1\nrepo:2"], ["worker", "repo:3"]],
    )
    assert summary.render() == (
        "| Service | Image |\n| --- | --- |\n| web\\|api | repo:1<br>repo:2 |\n| worker | repo:3 |"
    )


def test_table_pads_short_rows_and_rejects_long_ones() -> None:
    assert Summary().table(["a", "b"], [["1"]]).render() == "| a | b |\n| --- | --- |\n| 1 |  |"
    with pytest.raises(ValueError):
        Summary().table(["a"], [["1", "2"]])
    with pytest.raises(ValueError):
        Summary().table([], [])


def test_details() -> None:
    summary = Summary().details("Plan <full>", "body **text**")
    assert summary.render() == (
        "<details><summary>Plan &lt;full&gt;</summary>\n\nbody **text**\n\n</details>"
    )


def test_code_fence_default() -> None:
    assert Summary().code("x = 1\n", lang="python").render() == "```python\nx = 1\n```"
    assert Summary().code("plain").render() == "```\nplain\n```"


def test_code_fence_is_longer_than_backtick_runs() -> None:
    text = "use ```yaml fences``` and ````four````"
    rendered = Summary().code(text, lang="md").render()
    assert rendered == f"`````md\n{text}\n`````"
    assert Summary().code("a ` b `` c").render() == "```\na ` b `` c\n```"


def test_bullets() -> None:
    assert Summary().bullets(["one", "two\nmore"]).render() == "- one\n- two\n  more"
    empty = Summary().bullets([])
    assert empty.is_empty()
