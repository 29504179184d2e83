"""Rendering of diagnostics and 'did you mean'."""

from __future__ import annotations

from crossmap.errors import Diagnostic, SourceText, SpecError, did_you_mean


def test_render_points_at_the_spot() -> None:
    source = SourceText("spec.xmap", "map a -> B {\n\tX == 1\n}\n")
    diagnostic = Diagnostic("XM105", "'==' compares", source.span(16, 18), "write `X = 1`")
    assert diagnostic.render() == (
        "spec.xmap:2:4: error[XM105]: '==' compares\n"
        "    2 | \tX == 1\n"
        "      | \t  ^^\n"
        "hint: write `X = 1`"
    )


def test_long_lines_are_windowed() -> None:
    text = "x" * 500 + "!" + "y" * 500
    diagnostic = Diagnostic("XM102", "unexpected character '!'", SourceText("s", text).span(500))
    shown, caret = diagnostic.render().splitlines()[1:3]
    assert len(shown) < 120
    assert shown[caret.index("^")] == "!"
    # Cut on both sides, and each cut says so.
    assert shown.startswith("    1 | ...x") and shown.endswith("y...")


def test_a_long_line_cut_only_at_its_end_says_so() -> None:
    text = "  Parent = " + "lookup(a, b) missing null ?? " * 4
    diagnostic = Diagnostic("XM218", "wrong target", SourceText("s", text).span(2, len(text)))
    shown, caret = diagnostic.render().splitlines()[1:3]
    assert shown == "    1 | " + text[:100] + "..."
    assert caret.count("^") == 98  # up to the cut, not under the dots


def test_spec_error_sorts_and_renders_all() -> None:
    source = SourceText("s.xmap", "a\nb\n")
    second = Diagnostic("XM101", "second", source.span(2))
    first = Diagnostic("XM101", "first", source.span(0))
    error = SpecError([second, first])
    assert [d.message for d in error.diagnostics] == ["first", "second"]
    assert str(error).index("first") < str(error).index("second")


def test_did_you_mean() -> None:
    assert did_you_mean("Acount", ["Account", "Contact"]) == "did you mean 'Account'?"
    assert did_you_mean("account", ["Account"]) == "did you mean 'Account'?"
    assert did_you_mean("zzz", ["Account"]) is None
