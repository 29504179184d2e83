"""A plan in words, for people: what ``crossmap plan`` prints and the one-line
summary ``crossmap check`` gives a spec that compiles."""

from __future__ import annotations

from crossmap.compiler.plan import Plan


def summarize_plan(plan: Plan) -> str:
    """How big a plan is, in one line: ``3 steps, 2 waves, 0 resolutions, ...``."""
    counts = [
        (len(plan.steps), "step"),
        (len(plan.waves), "wave"),
        (len(plan.resolutions), "resolution"),
        (len(plan.value_maps), "value map"),
        (len(plan.declarations), "object declaration"),
        (len(plan.tests), "test"),
    ]
    return ", ".join(f"{n} {word}{'' if n == 1 else 's'}" for n, word in counts)


def describe_declarations(plan: Plan) -> list[str]:
    """One line per object the destination must have: new, or the fields it gains."""
    return [f"  {'new object' if decl.new else 'fields on'} {decl.object}: {', '.join(f.name for f in decl.fields)}"
            for decl in plan.declarations]


def describe_plan(plan: Plan) -> str:
    """The plan for people: what runs, in which order."""
    lines = [f"{plan.title or plan.spec}: {plan.source.name} -> {plan.target.name}"]
    if plan.declarations:
        lines.append("\nthe destination must have:")
        lines.extend(describe_declarations(plan))
    if plan.resolutions:
        lines.append("\nresolved before loading (matched, never created):")
        for resolution in plan.resolutions:
            fallback = f", fallback {resolution.fallback!r}" if resolution.fallback else ""
            lines.append(f"  {resolution.name} by {resolution.target_field}{fallback}")
    for number, wave in enumerate(plan.waves, 1):
        lines.append(f"\nwave {number}:")
        for name in wave:
            step = plan.step(name)
            mode = f"upsert on {step.external_id}" if step.mode == "upsert" else "insert"
            # A step waits for earlier waves only; a cycle's lookups wait for the deferred pass.
            after = [d for d in step.depends_on if any(d in w for w in plan.waves[: number - 1])]
            needs = f"  (after {', '.join(after)})" if after else ""
            lines.append(f"  {name}: {len(step.assignments)} fields, {mode}{needs}")
    if plan.deferred:
        lines.append("\ndeferred update pass:")
        lines.extend(f"  {name}" for name in plan.deferred)
    if plan.dropped:
        lines.append("\nleft out (`?=` fields this destination does not let the spec write):")
        lines.extend(f"  {name}.{d.field} (line {d.line})" for name, d in plan.dropped)
    return "\n".join(lines)
