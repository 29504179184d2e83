"""``crossmap propose``: draft a spec from two connectors' schemas
(``crossmap.propose.connected`` does the work)."""

from __future__ import annotations

from pathlib import Path

import click

from crossmap.cli.common import or_exit
from crossmap.propose.connected import propose_connected, summarize_proposal
from crossmap.propose.draft import render
from crossmap.propose.proposal import DEFAULT_THRESHOLD


def _pairs(values: tuple[str, ...], flag: str) -> dict[str, str]:
    options: dict[str, str] = {}
    for value in values:
        key, sep, setting = value.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"expected KEY=VALUE, not {value!r}", param_hint=flag)
        options[key.strip()] = setting.strip()
    return options


@click.command(name="propose")
@click.option("--source", "source_name", required=True, help="The source connector (entry-point name).")
@click.option("--target", "target_name", required=True, help="The destination connector (entry-point name).")
@click.option("--source-profile", default=None, help="Connection profile of the source (default: its name).")
@click.option("--target-profile", default=None, help="Connection profile of the target (default: its name).")
@click.option("--source-option", "source_options", multiple=True, metavar="KEY=VALUE",
              help="A source connector option (e.g. path=data/ for jsonl); repeatable.")
@click.option("--target-option", "target_options", multiple=True, metavar="KEY=VALUE",
              help="A target connector option; repeatable.")
@click.option("--objects", default=None, help="Comma-separated source objects to propose (default: all).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the draft here (default: standard output).")
@click.option("--sample", type=click.IntRange(min=1), default=None,
              help="Connect to the source and profile up to N records per object.")
@click.option("--live-target", is_flag=True, help="Connect to the target and use what it describes.")
@click.option("--threshold", type=click.FloatRange(0.0, 1.0, min_open=True), default=DEFAULT_THRESHOLD,
              show_default=True, help="Lowest confidence of a proposed field match.")
@click.option("--prefix", default=None, help="Prefix of proposed external ids (default: from the source name).")
@click.option("--profile-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder holding crossmap.toml (default: the --out folder, else the current one).")
def propose_command(
    source_name: str, target_name: str, source_profile: str | None, target_profile: str | None,
    source_options: tuple[str, ...], target_options: tuple[str, ...], objects: str | None,
    out: Path | None, sample: int | None, live_target: bool, threshold: float, prefix: str | None,
    profile_dir: Path | None,
) -> None:
    """Draft a mapping spec from the source's and the target's schemas (and, with
    --sample, the source's values) for a person to review. Every open decision is a
    todo(...) that fails `crossmap check` until it is resolved."""
    base = profile_dir or (out.parent if out is not None else Path.cwd())
    spec_dir = str(base.resolve())
    s_given = _pairs(source_options, "--source-option")
    t_given = _pairs(target_options, "--target-option")
    with or_exit():
        proposal = propose_connected(
            source_name, target_name,
            source_options={"spec_dir": spec_dir, "profile": source_profile or source_name, **s_given},
            target_options={"spec_dir": spec_dir, "profile": target_profile or target_name, **t_given},
            given_source_options=s_given, given_target_options=t_given,
            source_profile=source_profile, target_profile=target_profile,
            objects=[o.strip() for o in objects.split(",") if o.strip()] if objects else None,
            sample=sample, live_target=live_target, threshold=threshold, prefix=prefix,
        )
        text = render(proposal, path=str(out) if out is not None else "<draft>")
    if out is None:
        click.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        click.echo(f"draft written to {out}", err=True)
    click.echo(f"proposed {summarize_proposal(proposal)}; review it, then run `crossmap check`", err=True)
