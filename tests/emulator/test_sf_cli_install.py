"""The helper that installs the Salesforce CLI for the tests: what happens without
Node.js, and under CI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sf_cli_support
from sf_cli_support import SPEC, SfCliUnavailable, ensure_sf_cli, require_sf_cli


def test_the_pinned_cli_carries_the_undici_override() -> None:
    """On Node 20 the newest undici needs a zstd Node 20 lacks; the override pins the
    last undici that runs there (issue 27)."""
    package = json.loads((SPEC / "package.json").read_text())
    assert package["dependencies"] == {"@salesforce/cli": "2.146.3"}
    assert package["overrides"] == {"undici": "6.21.3"}
    lock = json.loads((SPEC / "package-lock.json").read_text())
    assert lock["packages"]["node_modules/@salesforce/cli"]["version"] == "2.146.3"
    assert lock["packages"]["node_modules/undici"]["version"] == "6.21.3"


def test_without_node_the_install_says_what_is_missing(monkeypatch: pytest.MonkeyPatch,
                                                       tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(SfCliUnavailable, match="node and npm not found on PATH"):
        ensure_sf_cli(cache=tmp_path / "cache")
    assert not (tmp_path / "cache").exists()


def test_a_missing_cli_skips_outside_ci_and_fails_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    def unavailable(*args: object, **kwargs: object) -> Path:
        raise SfCliUnavailable("no node here")

    monkeypatch.setattr(sf_cli_support, "ensure_sf_cli", unavailable)
    with pytest.raises(pytest.skip.Exception, match="no node here"):
        require_sf_cli({})
    with pytest.raises(pytest.fail.Exception, match="CI needs the Salesforce CLI: no node here"):
        require_sf_cli({"CI": "true"})


def test_a_failing_npm_is_reported_with_its_output(monkeypatch: pytest.MonkeyPatch,
                                                   tmp_path: Path) -> None:
    """A broken install is an error with npm's own last lines, not a hang or a
    half-installed cache that later sessions would trust."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "node").write_text("#!/bin/sh\necho v20.1.0\n")
    (bin_dir / "npm").write_text("#!/bin/sh\necho 'npm error network unreachable' >&2\nexit 1\n")
    for tool in ("node", "npm"):
        (bin_dir / tool).chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    cache = tmp_path / "cache"
    with pytest.raises(SfCliUnavailable, match="network unreachable"):
        ensure_sf_cli(cache=cache)
    assert not (cache / ".crossmap-installed").exists()


def test_an_old_node_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for tool, body in (("node", "echo v16.20.0"), ("npm", "exit 0")):
        (tmp_path / tool).write_text(f"#!/bin/sh\n{body}\n")
        (tmp_path / tool).chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(SfCliUnavailable, match="Node.js 18\\+; .* is version 16"):
        ensure_sf_cli(cache=tmp_path / "cache")


def test_sf_login_without_sf_says_how_to_get_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from crossmap_salesforce.sf_login import SfLoginError, prepare

    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(SfLoginError, match="no 'sf' on PATH: install the Salesforce CLI"):
        prepare("salesforce", tmp_path, alias="x")


def test_sf_login_hands_the_session_to_the_cli_without_printing_it(tmp_path: Path) -> None:
    """The token goes to ``sf`` through ``SF_ACCESS_TOKEN`` in the child's environment
    only; the local org's CA through ``NODE_EXTRA_CA_CERTS``."""
    from crossmap_salesforce.emulator import running_org
    from crossmap_salesforce.sf_login import prepare

    with running_org(tmp_path / "org") as org:
        (tmp_path / "crossmap.toml").write_text(
            f'[profiles.local]\nauth = "password"\nlogin_url = "{org.instance_url}"\n'
            f'ca_file = "{org.ca_file}"\nusername_env = "U"\npassword_env = "P"\n'
            'security_token_env = "T"\n')
        login = prepare("local", tmp_path, alias="here", sf="/opt/sf",
                        environ={"U": org.username, "P": org.password, "T": ""})
        assert login.argv == ("/opt/sf", "org", "login", "access-token", "--instance-url",
                              org.instance_url, "--no-prompt", "--alias", "here")
        token = login.env["SF_ACCESS_TOKEN"]
        assert org.sf.session.get(f"{org.instance_url}/services/oauth2/userinfo",
                                  headers={"Authorization": f"Bearer {token}"}).status_code == 200
        assert login.env["NODE_EXTRA_CA_CERTS"] == str(Path(org.ca_file).resolve())
        assert token not in repr(login)


def test_every_sf_command_the_docs_show_is_one_the_cli_tests_run() -> None:
    """docs/salesforce-emulator.md stays true: each ``$SF ...`` command it shows is
    run against the local org by tests/emulator/test_sf_cli.py."""
    import re
    from itertools import takewhile

    root = SPEC.parents[1]
    doc = (root / "docs" / "salesforce-emulator.md").read_text(encoding="utf-8")
    tested = (root / "tests" / "emulator" / "test_sf_cli.py").read_text(encoding="utf-8")
    shown = {tuple(takewhile(lambda w: not w.startswith("-"), line.split()))
             for line in re.findall(r"^\$ \$SF (.+)$", doc, flags=re.MULTILINE)}
    assert len(shown) >= 12
    for command in sorted(shown):
        assert ", ".join(f'"{w}"' for w in command) in tested, command
