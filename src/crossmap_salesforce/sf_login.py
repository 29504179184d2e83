"""Log the Salesforce CLI (``sf``) in to the org a crossmap profile names.

``python -m crossmap_salesforce.sf_login PROFILE [--alias ALIAS] [--sf PATH]`` logs in
the way crossmap does (the profile's password, JWT or token login, the profile's CA
file), then hands the session to ``sf org login access-token --instance-url URL
--no-prompt``, which reads it from ``SF_ACCESS_TOKEN`` (Salesforce CLI Command
Reference, "org login access-token"). The token travels only in the child process's
environment: it is never printed, nor put in the shell's. With a profile that names a
``ca_file`` (a local org), the CLI is given it as ``NODE_EXTRA_CA_CERTS``, and every
later ``sf`` command needs the same variable; the command says so.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import click
from attrs import field, frozen

from crossmap.connectors.profiles import resolve_profile
from crossmap.errors import CrossmapError
from crossmap_salesforce.auth import connect


class SfLoginError(CrossmapError):
    """The Salesforce CLI cannot be logged in (no ``sf``, or it refused)."""


@frozen
class SfLogin:
    """The ``sf`` command line and environment that log the CLI in to one org."""

    argv: tuple[str, ...]
    env: Mapping[str, str] = field(repr=False)
    """The environment of the ``sf`` call, the session in ``SF_ACCESS_TOKEN``."""
    ca_file: str | None = None


def prepare(profile_name: str, folder: Path, *, alias: str, sf: str | None = None,
            environ: Mapping[str, str] = os.environ) -> SfLogin:
    """Log in with the profile ``profile_name`` (of ``folder``'s crossmap.toml) and
    build the ``sf org login access-token`` call that hands the session to the CLI."""
    binary = sf or shutil.which("sf")
    if binary is None:
        raise SfLoginError("no 'sf' on PATH: install the Salesforce CLI (python3 tasks.py sf-cli "
                           "in a crossmap checkout) or pass --sf PATH")
    profile = resolve_profile(profile_name, folder, environ)
    connection = connect(profile)
    sf_client = connection.sf
    instance = f"https://{sf_client.sf_instance}"
    env = dict(environ)
    env["SF_ACCESS_TOKEN"] = sf_client.session_id
    ca = profile.path("ca_file")
    if ca is not None:
        env["NODE_EXTRA_CA_CERTS"] = str(ca.resolve())
    argv = (binary, "org", "login", "access-token", "--instance-url", instance, "--no-prompt",
            "--alias", alias)
    return SfLogin(argv, env, str(ca.resolve()) if ca is not None else None)


@click.command()
@click.argument("profile")
@click.option("--alias", default=None, help="The CLI's alias for the org (default: the profile's name).")
@click.option("--sf", "sf_path", default=None, help="The sf executable (default: sf on PATH).")
@click.option("--dir", "folder", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="The folder of the crossmap.toml naming the profile.")
def main(profile: str, alias: str | None, sf_path: str | None, folder: Path) -> None:
    """Log the Salesforce CLI in to the org the crossmap profile PROFILE names."""
    try:
        login = prepare(profile, folder, alias=alias or profile, sf=sf_path)
    except CrossmapError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(2)
    done = subprocess.run(login.argv, env=dict(login.env), check=False)
    if done.returncode != 0:
        click.echo(f"error: sf org login access-token exited {done.returncode}", err=True)
        sys.exit(1)
    if login.ca_file is not None:
        click.echo(f"the org's certificate comes from a local CA: before other sf commands, run\n"
                   f"  export NODE_EXTRA_CA_CERTS={login.ca_file}")


if __name__ == "__main__":
    main()
