"""Every way of logging in, from crossmap.toml profiles, against the emulator; and no
secret in any repr, log line or error message."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sf_support import org_at

from crossmap.connectors.profiles import ProfileError, resolve_profile
from crossmap_salesforce.auth import LoginError, make_session
from crossmap_salesforce.connector import SalesforceDestination
from crossmap_salesforce.emulator import OrgHandle


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OrgHandle]:
    with org_at(tmp_path_factory.mktemp("sf-auth")) as handle:
        yield handle


@pytest.fixture
def env(org: OrgHandle) -> dict[str, str]:
    return {"SF_USER": org.username, "SF_PASS": org.password, "SF_TOKEN": "",
            "SF_CLIENT": org.client_id, "SF_SECRET": org.client_secret,
            "SF_ACCESS": org.access_token}


def _spec_dir(tmp_path: Path, org: OrgHandle, profile: str) -> Path:
    text = f"""
[profiles.salesforce]
login_url = "{org.instance_url}"
ca_file = "{org.ca_file}"
{profile}
"""
    (tmp_path / "crossmap.toml").write_text(text, encoding="utf-8")
    return tmp_path


PROFILES = {
    "soap password + token": 'auth = "password"\nusername_env = "SF_USER"\n'
                             'password_env = "SF_PASS"\nsecurity_token_env = "SF_TOKEN"',
    "oauth password": 'auth = "password"\nusername_env = "SF_USER"\npassword_env = "SF_PASS"\n'
                      'client_id_env = "SF_CLIENT"\nclient_secret_env = "SF_SECRET"',
    "client credentials": 'auth = "client_credentials"\ndomain = "acme.my"\n'
                          'client_id_env = "SF_CLIENT"\nclient_secret_env = "SF_SECRET"',
    "access token": 'auth = "token"\naccess_token_env = "SF_ACCESS"\n',
}


@pytest.mark.parametrize("way", sorted(PROFILES))
def test_every_way_logs_in(way: str, tmp_path: Path, org: OrgHandle, env: dict[str, str]) -> None:
    spec_dir = _spec_dir(tmp_path, org, PROFILES[way])
    options: dict[str, Any] = {"spec_dir": str(spec_dir), "objects": ["Account"]}
    if way == "access token":
        options["instance_url"] = org.instance_url  # a profile key given as an option
    dest = SalesforceDestination.from_options(options, environ=env)
    assert list(dest.describe().objects) == ["Account"]
    assert dest.load("Account", "insert", [("r", {"Name": way})])[0].ok


def test_a_wrong_password_is_a_clear_error_without_the_password(
        tmp_path: Path, org: OrgHandle, env: dict[str, str]) -> None:
    spec_dir = _spec_dir(tmp_path, org, PROFILES["soap password + token"])
    env["SF_PASS"] = "Wr0ng-Pa55word"
    with pytest.raises(LoginError) as info:
        SalesforceDestination.from_options({"spec_dir": str(spec_dir)}, environ=env)
    assert "INVALID_LOGIN" in str(info.value)
    # The org's own words, not simple-salesforce's template with a literal placeholder.
    assert "{content}" not in str(info.value) and "Response content" not in str(info.value)
    assert str(info.value).startswith("profile 'salesforce': password login failed: INVALID_LOGIN: ")
    assert len(str(info.value)) > len("profile 'salesforce': password login failed: INVALID_LOGIN: ")
    assert "Wr0ng-Pa55word" not in str(info.value)
    assert "Wr0ng-Pa55word" not in repr(info.value)
    # The library's own exception (the login request) is not chained on.
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_a_missing_variable_stops_before_connecting(tmp_path: Path, org: OrgHandle,
                                                    env: dict[str, str]) -> None:
    spec_dir = _spec_dir(tmp_path, org, PROFILES["oauth password"])
    del env["SF_SECRET"]
    with pytest.raises(ProfileError, match="SF_SECRET"):
        SalesforceDestination.from_options({"spec_dir": str(spec_dir)}, environ=env)


def test_an_expired_session_logs_in_again(tmp_path: Path, org: OrgHandle, env: dict[str, str]) -> None:
    spec_dir = _spec_dir(tmp_path, org, PROFILES["oauth password"])
    dest = SalesforceDestination.from_options({"spec_dir": str(spec_dir)}, environ=env)
    first = dest.api.sf.session_id
    requests.post(f"{org.instance_url}/services/oauth2/revoke", data={"token": first},
                  verify=org.ca_file, timeout=10).raise_for_status()
    assert dest.load("Account", "insert", [("again", {"Name": "after expiry"})])[0].ok
    assert dest.api.sf.session_id != first


class _JwtTokenEndpoint(requests.adapters.BaseAdapter):
    """Salesforce's token endpoint for the JWT bearer grant (the emulator has only the
    password and client-credentials grants): checks the assertion's RS256 signature,
    issuer, subject and audience, then hands out the org's session."""

    def __init__(self, org: OrgHandle, public_key: Any, audience: str) -> None:
        super().__init__()
        self.org, self.public_key, self.audience = org, public_key, audience
        self.assertions: list[dict[str, Any]] = []

    def send(self, request: requests.PreparedRequest, *args: Any,
             **kwargs: Any) -> requests.Response:
        form = dict(p.split("=", 1) for p in str(request.body).split("&"))
        response = requests.Response()
        response.request = request
        response.url = str(request.url)
        response.headers["Content-Type"] = "application/json"
        try:
            assert form["grant_type"] == "urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer"
            claims = jwt.decode(form["assertion"], self.public_key, algorithms=["RS256"],
                                audience=self.audience, issuer=self.org.client_id)
            assert claims["sub"] == self.org.username
            self.assertions.append(claims)
            body: dict[str, Any] = {"access_token": self.org.access_token,
                                    "instance_url": self.org.instance_url}
            response.status_code = 200
        except (AssertionError, KeyError, jwt.InvalidTokenError) as exc:
            body = {"error": "invalid_grant", "error_description": type(exc).__name__}
            response.status_code = 400
        response._content = json.dumps(body).encode()
        return response

    def close(self) -> None:
        pass


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.mark.parametrize("domain", ["login", "test"])
def test_jwt_bearer_with_a_private_key_file(domain: str, tmp_path: Path, org: OrgHandle,
                                            env: dict[str, str], rsa_key: rsa.RSAPrivateKey) -> None:
    key_file = tmp_path / "server.key"
    key_file.write_bytes(rsa_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    (tmp_path / "crossmap.toml").write_text(f"""
[profiles.jwt]
auth = "jwt"
domain = "{domain}"
username_env = "SF_USER"
client_id_env = "SF_CLIENT"
private_key_file = "server.key"
ca_file = "{org.ca_file}"
""", encoding="utf-8")
    profile = resolve_profile("jwt", tmp_path, env)
    session = make_session(profile)
    # Production logs in at login.salesforce.com, a sandbox at test.salesforce.com.
    endpoint = _JwtTokenEndpoint(org, rsa_key.public_key(), f"https://{domain}.salesforce.com")
    session.mount(f"https://{domain}.salesforce.com/", endpoint)
    dest = SalesforceDestination.connect(profile, session=session)
    assert len(endpoint.assertions) == 1
    assert dest.load("Account", "insert", [("j", {"Name": f"jwt {domain}"})])[0].ok


def test_jwt_needs_an_existing_key_file(tmp_path: Path, org: OrgHandle, env: dict[str, str]) -> None:
    spec_dir = _spec_dir(tmp_path, org, 'auth = "jwt"\nusername_env = "SF_USER"\n'
                                        'client_id_env = "SF_CLIENT"\nprivate_key_file = "nope.key"')
    with pytest.raises(ProfileError, match="nope.key"):
        SalesforceDestination.from_options({"spec_dir": str(spec_dir)}, environ=env)


def test_unknown_auth_lists_the_ways(tmp_path: Path, org: OrgHandle, env: dict[str, str]) -> None:
    spec_dir = _spec_dir(tmp_path, org, 'auth = "kerberos"')
    with pytest.raises(ProfileError, match="password, jwt, client_credentials, token"):
        SalesforceDestination.from_options({"spec_dir": str(spec_dir)}, environ=env)


def test_no_secret_reaches_reprs_logs_or_errors(tmp_path: Path, org: OrgHandle, env: dict[str, str],
                                                caplog: pytest.LogCaptureFixture) -> None:
    spec_dir = _spec_dir(tmp_path, org, PROFILES["oauth password"])
    caplog.set_level(logging.DEBUG)
    dest = SalesforceDestination.from_options(
        {"spec_dir": str(spec_dir), "bulk_threshold": 2, "bulk_poll_interval": 0}, environ=env)
    results = dest.load("Account", "insert", [("s1", {"Name": "secret test"}), ("s2", {"Name": None})])
    results += dest.load("Account", "insert", [("s3", {"Name": "one"})])
    list(dest.read("Account", [r.id for r in results if r.id], ["Name"]))
    limits = dest.check_budget(1)
    texts = [caplog.text, repr(dest), str(dest), repr(results), repr(limits), repr(dest.connection),
             repr(dest.api), repr(dest.loader), repr(resolve_profile("salesforce", spec_dir, env))]
    assert any("connected to Salesforce" in t for t in texts)  # logging did happen
    secrets = [org.password, org.client_secret, org.access_token, dest.api.sf.session_id]
    for text in texts:
        for secret in secrets:
            assert secret not in text


def test_a_misspelt_option_or_profile_key_is_refused(tmp_path: Path, org: OrgHandle,
                                                     env: dict[str, str]) -> None:
    spec_dir = _spec_dir(tmp_path, org, PROFILES["access token"])
    options = {"spec_dir": str(spec_dir), "instance_url": org.instance_url}
    with pytest.raises(ProfileError, match="unknown key 'bulk_treshold'.*did you mean 'bulk_threshold'"):
        SalesforceDestination.from_options({**options, "bulk_treshold": 5}, environ=env)
    with SalesforceDestination.from_options(options, environ=env) as dest:
        assert dest.load("Account", "insert", [("ok", {"Name": "spelt right"})])[0].ok


def test_an_unreachable_login_host_is_a_login_error_that_names_only_the_host(tmp_path: Path) -> None:
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    (tmp_path / "crossmap.toml").write_text(f"""[profiles.salesforce]
auth = "password"
login_url = "https://127.0.0.1:{port}"
username_env = "U"
password_env = "P"
""", encoding="utf-8")
    profile = resolve_profile("salesforce", tmp_path, {"U": "someone@example.com", "P": "s3cret-pass"})
    with pytest.raises(LoginError) as refused:
        SalesforceDestination.connect(profile)
    message = str(refused.value)
    assert f"cannot reach 127.0.0.1:{port} to log in" in message
    assert "s3cret-pass" not in message and "someone@example.com" not in message
