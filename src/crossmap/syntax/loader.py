"""Loading a spec file with the files it includes."""

from __future__ import annotations

from pathlib import Path

from crossmap.errors import Diagnostic, SourceText, SpecError, SpecFileError
from crossmap.syntax import ast
from crossmap.syntax.parser import parse_source, read_spec_text

_INCLUDABLE = (ast.ValueMap, ast.FunctionDef, ast.ObjectDecl, ast.Include)


def load(path: str | Path) -> ast.Spec:
    """Parse a spec and, recursively, the files it includes (paths relative to the
    including file). The result holds the spec's items followed by the included
    value maps, functions and declarations. Raises ``SpecError`` with every
    diagnostic of every file."""
    diagnostics: list[Diagnostic] = []
    root = Path(path)
    source = SourceText(str(path), read_spec_text(root))
    spec, found = parse_source(source)
    diagnostics.extend(found)
    items = list(spec.items)
    items.extend(_included(spec, root, (root.resolve(),), diagnostics))
    if any(d.severity == "error" for d in diagnostics):
        raise SpecError(diagnostics)
    return ast.Spec(tuple(items), span=spec.span)


def _included(
    spec: ast.Spec, path: Path, chain: tuple[Path, ...], diagnostics: list[Diagnostic]
) -> list[ast.Item]:
    items: list[ast.Item] = []
    for include in spec.of_type(ast.Include):
        target = (path.parent / include.path).resolve()
        if target in chain:
            diagnostics.append(
                Diagnostic("XM122", f"'{include.path}' includes itself" + (f" (through {len(chain)} files)" if len(chain) > 1 else ""),
                           include.span, "remove one of the includes")
            )
            continue
        shown = path.parent / include.path
        try:
            text = read_spec_text(shown)
        except SpecFileError as exc:
            diagnostics.append(Diagnostic("XM122", f"cannot include '{include.path}'", include.span, str(exc)))
            continue
        included, found = parse_source(SourceText(str(shown), text))
        diagnostics.extend(found)
        for item in included.items:
            if not isinstance(item, _INCLUDABLE):
                diagnostics.append(
                    Diagnostic(
                        "XM123",
                        "an included file may hold only value maps, functions and object declarations",
                        item.span,
                        f"move this into the spec that includes '{include.path}'",
                    )
                )
            elif not isinstance(item, ast.Include):
                items.append(item)
        items.extend(_included(included, shown, (*chain, target), diagnostics))
    return items
