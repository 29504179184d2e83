"""A ``Proposal`` written out as .xmap text, in canonical form.

The text is generated plainly and then run through the formatter, so the draft is
exactly what ``crossmap fmt`` would write. Every assignment carries its confidence
as a comment; every open decision is a ``todo("...")``, which ``crossmap check``
reports as error XM240 until a person resolves it.
"""

from __future__ import annotations

from crossmap.propose.model import FieldMatch, ObjectMatch, Proposal, Todo, ValueMapDraft
from crossmap.propose.spelling import ref
from crossmap.syntax import format_spec


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _comment(match: FieldMatch) -> str:
    why = "+".join(match.reasons) if match.reasons else "proposed"
    if match.kind == "custom":
        return f"# proposed custom field ({', '.join(match.reasons[1:]) or 'no existing field'})"
    return f"# confidence {match.confidence:.2f}: {why}"


def _todo_let(index: int, todo: Todo) -> str:
    return f"let todo_{index} = todo({_quoted(todo.message)})"


def _extend(match: ObjectMatch) -> list[str]:
    if not match.custom_fields:
        return []
    lines = [f"extend {ref(match.target)} {{"]
    lines += [f"  {ref(c.name)}: {c.declaration}" for c in match.custom_fields]
    return [*lines, "}", ""]


def _resolve(match: ObjectMatch) -> list[str]:
    assert match.resolve_by is not None
    s, d = match.resolve_by
    return [
        f"# confidence {match.confidence:.2f}: {'+'.join(match.reasons)}",
        f"# {match.target} requires {', '.join(match.unfilled)}, which no source field fills:",
        f"# existing records are matched by {d} instead of created.",
        f"resolve {ref(match.source)} -> {ref(match.target)} {{",
        f"  by lower(trim({ref(s)})) = lower({ref(d)})",
        "}",
        "",
    ]


def _map(match: ObjectMatch) -> list[str]:
    lines = [
        f"# confidence {match.confidence:.2f}: {'+'.join(match.reasons)}",
        f"map {ref(match.source)} -> {ref(match.target)} {{",
        f"  upsert on {ref(match.upsert_key)}" if match.upsert_key else "  insert",
    ]
    if match.key_todo is not None:
        lines.append(f"  key todo({_quoted(match.key_todo)})")
    if match.skip is not None:
        condition, reason = match.skip
        lines.append(f"  skip when {condition} because {_quoted(reason)}")
    open_items = [t for t in match.todos if t.target is None]
    for index, todo in enumerate(open_items, 1):
        lines.append("  " + _todo_let(index, todo))
    for field in match.fields:
        lines.append("  " + _comment(field))
        lines.append(f"  {ref(field.target)} = {field.expression}")
    for todo in match.todos:
        if todo.target is not None:
            lines.append(f"  {ref(todo.target)} = todo({_quoted(todo.message)})")
    return [*lines, "}", ""]


def _value_map(draft: ValueMapDraft) -> list[str]:
    lines = [f"valuemap {draft.name} {{"]
    lines += [f"  {_quoted(s)} -> {_quoted(d)}" for s, d in draft.entries]
    lines.append(f"  else {draft.otherwise}")
    return [*lines, "}", ""]


def _connector(role: str, name: str, profile: str, options: tuple[tuple[str, str], ...]) -> list[str]:
    settings = dict(options)
    settings.setdefault("profile", profile)
    return [f"{role} {name} {{", *(f"  {ref(k)} = {_quoted(v)}" for k, v in settings.items()), "}"]


def render(proposal: Proposal, *, path: str = "<draft>") -> str:
    """The draft spec for ``proposal``, formatted."""
    lines = [
        f"# Drafted by `crossmap propose` from {proposal.source_system} to {proposal.target_system}.",
        f"# Field pairs below confidence {proposal.threshold:.2f} are not proposed. Review every line;",
        "# each todo(...) fails `crossmap check` (XM240) until you resolve it.",
        "",
        "xmap 1",
        f"migration {_quoted(f'{proposal.source_system} to {proposal.target_system} (draft)')}",
        *_connector("source", proposal.source_system, proposal.source_profile, proposal.source_options),
        *_connector("target", proposal.target_system, proposal.target_profile, proposal.target_options),
        "",
    ]
    for name in proposal.unmatched_objects:
        lines.append(f"# not proposed: {name} (no destination object scored high enough)")
    if proposal.unmatched_objects:
        lines.append("")
    for match in proposal.objects:
        lines += _extend(match)
    for match in proposal.objects:
        lines += _resolve(match) if match.resolve else _map(match)
    for draft in proposal.value_maps:
        lines += _value_map(draft)
    return format_spec("\n".join(lines) + "\n", path=path)
