"""Connection profiles: where a connector's credentials come from.

A spec names systems, never credentials. The credentials live in a ``crossmap.toml``
beside the spec (or at a path the user gives) as *profiles*::

    [profiles.salesforce]
    auth = "password"
    username_env = "SF_USERNAME"
    password_env = "SF_PASSWORD"

A key ending in ``_env`` names an environment variable; the secret is read from the
environment when the profile is resolved and kept out of every ``repr``. Writing a
secret into the file itself is refused, because profile files get committed.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs
from attrs import frozen

from crossmap.errors import CrossmapError, did_you_mean

PROFILE_FILE = "crossmap.toml"
"""The file name looked for beside a spec."""

ENV_SUFFIX = "_env"

SECRET_KEYS: frozenset[str] = frozenset({
    "password", "security_token", "client_secret", "access_token", "token", "session_id",
    "private_key", "api_key", "secret",
})
"""Keys whose values are secrets: a profile may only name the variable holding them
(``password_env``), never carry the value."""


class ProfileError(CrossmapError):
    """A connection profile is missing, malformed, or names an unset variable."""


def _frozen_mapping(value: Mapping[str, Any]) -> Mapping[str, Any]:
    return dict(value)


@frozen
class Profile:
    """One resolved connection profile.

    ``settings`` are the plain keys (``auth``, ``domain``, ``instance_url``...);
    ``secrets`` hold the values read from the variables the ``*_env`` keys name, under
    the key without the suffix (``password_env`` → ``password``). Paths in settings
    are relative to ``base_dir``, the profile file's folder.
    """

    name: str
    settings: Mapping[str, Any] = attrs.field(converter=_frozen_mapping)
    secrets: Mapping[str, str] = attrs.field(converter=_frozen_mapping, repr=False)
    base_dir: Path = Path(".")
    env_names: Mapping[str, str] = attrs.field(factory=dict, converter=_frozen_mapping)
    """Secret key → the environment variable it came from (for messages)."""

    def get(self, key: str, default: Any = None) -> Any:
        """A plain setting, or ``default``."""
        return self.settings.get(key, default)

    def secret(self, key: str) -> str:
        """A secret, or a ``ProfileError`` saying which ``*_env`` key to add."""
        value = self.secrets.get(key)
        if value is None:
            raise ProfileError(
                f"profile '{self.name}' needs '{key}{ENV_SUFFIX}' (the name of the environment "
                f"variable holding the {key.replace('_', ' ')})"
            )
        return value

    def has_secret(self, key: str) -> bool:
        """Is the secret ``key`` configured?"""
        return key in self.secrets

    def path(self, key: str) -> Path | None:
        """A path setting resolved against the profile file's folder."""
        value = self.settings.get(key)
        if value is None or value == "":
            return None
        path = Path(str(value)).expanduser()
        return path if path.is_absolute() else self.base_dir / path


def find_profile_file(spec_dir: str | os.PathLike[str] | None, path: str | os.PathLike[str] | None = None) -> Path:
    """The profile file: ``path`` when given (relative to ``spec_dir``), else
    ``crossmap.toml`` beside the spec."""
    base = Path(spec_dir) if spec_dir is not None else Path.cwd()
    if path is not None:
        candidate = Path(path).expanduser()
        candidate = candidate if candidate.is_absolute() else base / candidate
        if not candidate.is_file():
            raise ProfileError(f"profile file {candidate} does not exist")
        return candidate
    candidate = base / PROFILE_FILE
    if not candidate.is_file():
        raise ProfileError(
            f"no {PROFILE_FILE} beside the spec (looked in {base}); create one with a "
            f"[profiles.<name>] table, or pass the file's path"
        )
    return candidate


def _read(file: Path) -> dict[str, Any]:
    try:
        with file.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{file}: not valid TOML: {exc}") from None


def resolve_profile(
    name: str,
    spec_dir: str | os.PathLike[str] | None,
    environ: Mapping[str, str] = os.environ,
    *,
    path: str | os.PathLike[str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Profile:
    """Read profile ``name`` from the profile file and its secrets from ``environ``.

    ``overrides`` (a connector's options) replace the file's plain keys and may name
    other variables (``password_env``), but may not carry secrets either.
    """
    file = find_profile_file(spec_dir, path)
    data = _read(file)
    profiles = data.get("profiles")
    if not isinstance(profiles, dict) or not profiles:
        raise ProfileError(f"{file}: no [profiles.<name>] tables")
    raw = profiles.get(name)
    if not isinstance(raw, dict):
        hint = did_you_mean(name, profiles) or f"defined: {', '.join(sorted(profiles))}"
        raise ProfileError(f"{file}: no profile named '{name}' ({hint})")
    merged: dict[str, Any] = {**raw, **dict(overrides or {})}
    settings: dict[str, Any] = {}
    secrets: dict[str, str] = {}
    env_names: dict[str, str] = {}
    for key, value in merged.items():
        if key in SECRET_KEYS:
            raise ProfileError(
                f"{file}: profile '{name}' sets '{key}' directly; secrets come only from the "
                f"environment: write {key}{ENV_SUFFIX} = \"VARIABLE_NAME\" instead"
            )
        if key.endswith(ENV_SUFFIX):
            secret_key = key[: -len(ENV_SUFFIX)]
            variable = str(value)
            found = environ.get(variable)
            if found is None:
                raise ProfileError(
                    f"profile '{name}' ({file}): the environment variable {variable} "
                    f"(named by {key}) is not set"
                )
            secrets[secret_key] = found
            env_names[secret_key] = variable
        else:
            settings[key] = value
    return Profile(name, settings, secrets, file.parent, env_names)


__all__ = ["PROFILE_FILE", "SECRET_KEYS", "Profile", "ProfileError", "find_profile_file",
           "resolve_profile"]
