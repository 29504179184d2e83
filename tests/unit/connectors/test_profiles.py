"""Connection profiles: crossmap.toml tables whose secrets come from the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from crossmap.connectors.profiles import Profile, ProfileError, resolve_profile

TOML = """
[profiles.salesforce]
auth = "password"
domain = "test"
username_env = "SF_USER"
password_env = "SF_PASS"
ca_file = "certs/ca.pem"

[profiles.other]
auth = "token"
"""


@pytest.fixture
def spec_dir(tmp_path: Path) -> Path:
    (tmp_path / "crossmap.toml").write_text(TOML, encoding="utf-8")
    return tmp_path


def test_secrets_come_from_the_named_variables(spec_dir: Path) -> None:
    profile = resolve_profile("salesforce", spec_dir, {"SF_USER": "ann@x.test", "SF_PASS": "hunter2!"})
    assert profile.secret("username") == "ann@x.test"
    assert profile.secret("password") == "hunter2!"
    assert profile.get("domain") == "test"
    assert profile.env_names == {"username": "SF_USER", "password": "SF_PASS"}
    # Paths are relative to the profile file, not to the working directory.
    assert profile.path("ca_file") == spec_dir / "certs" / "ca.pem"
    assert "hunter2!" not in repr(profile)
    assert "ann@x.test" not in repr(profile)


def test_a_missing_variable_is_named_without_any_value(spec_dir: Path) -> None:
    with pytest.raises(ProfileError) as info:
        resolve_profile("salesforce", spec_dir, {"SF_USER": "ann@x.test"})
    message = str(info.value)
    assert "SF_PASS" in message and "password_env" in message
    assert "ann@x.test" not in message


def test_a_secret_written_into_the_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "crossmap.toml").write_text(
        '[profiles.p]\nauth = "password"\npassword = "plain-text"\n', encoding="utf-8")
    with pytest.raises(ProfileError) as info:
        resolve_profile("p", tmp_path, {})
    assert "password_env" in str(info.value)
    assert "plain-text" not in str(info.value)


def test_overrides_replace_file_keys_but_cannot_carry_secrets(spec_dir: Path) -> None:
    env = {"SF_USER": "u", "SF_PASS": "p", "OTHER_PASS": "q"}
    profile = resolve_profile("salesforce", spec_dir, env,
                              overrides={"domain": "acme.my", "password_env": "OTHER_PASS"})
    assert profile.get("domain") == "acme.my"
    assert profile.secret("password") == "q"
    with pytest.raises(ProfileError, match="security_token_env"):
        resolve_profile("salesforce", spec_dir, env, overrides={"security_token": "abc"})


def test_unknown_profile_suggests_the_closest(spec_dir: Path) -> None:
    with pytest.raises(ProfileError, match="did you mean 'salesforce'"):
        resolve_profile("salesforse", spec_dir, {})


def test_no_profile_file_says_where_it_looked(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="no crossmap.toml beside the spec") as info:
        resolve_profile("salesforce", tmp_path, {})
    assert str(tmp_path) in str(info.value)


def test_an_explicit_path_is_relative_to_the_spec(spec_dir: Path) -> None:
    (spec_dir / "conf").mkdir()
    (spec_dir / "crossmap.toml").rename(spec_dir / "conf" / "profiles.toml")
    profile = resolve_profile("other", spec_dir, {}, path="conf/profiles.toml")
    assert profile.get("auth") == "token"
    assert profile.base_dir == spec_dir / "conf"
    with pytest.raises(ProfileError, match="does not exist"):
        resolve_profile("other", spec_dir, {}, path="missing.toml")


def test_bad_toml_is_reported_with_the_file(tmp_path: Path) -> None:
    (tmp_path / "crossmap.toml").write_text("[profiles.p\n", encoding="utf-8")
    with pytest.raises(ProfileError, match="not valid TOML"):
        resolve_profile("p", tmp_path, {})


def test_an_unconfigured_secret_names_the_key_to_add() -> None:
    profile = Profile("p", {}, {})
    assert not profile.has_secret("client_id")
    with pytest.raises(ProfileError, match="client_id_env"):
        profile.secret("client_id")
