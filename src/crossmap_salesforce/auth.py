"""Logging in to an org from a connection profile, every way a real org is reached.

| ``auth`` | needs | how |
|---|---|---|
| ``password`` | ``username_env``, ``password_env``, ``security_token_env`` (optional); with ``client_id_env`` + ``client_secret_env`` the OAuth password flow | simple-salesforce's SOAP / OAuth login |
| ``jwt`` | ``username_env``, ``client_id_env``, ``private_key_file`` | simple-salesforce's OAuth JWT bearer flow (pyjwt, RS256) |
| ``client_credentials`` | ``client_id_env``, ``client_secret_env`` | OAuth client-credentials grant |
| ``token`` | ``access_token_env``, ``instance_url`` | an existing session |

``domain`` picks the login host (``login``: production, ``test``: sandbox, or a My
Domain such as ``acme.my``). ``login_url`` replaces that host altogether (a local
org), and ``ca_file`` is the CA bundle its certificate is checked against.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

import requests
from attrs import field, frozen
from simple_salesforce.api import Salesforce
from simple_salesforce.exceptions import SalesforceAuthenticationFailed

from crossmap.connectors.profiles import Profile, ProfileError
from crossmap.errors import CrossmapError, did_you_mean

AUTH_WAYS: tuple[str, ...] = ("password", "jwt", "client_credentials", "token")
PROFILE_KEYS: frozenset[str] = frozenset({
    "auth", "domain", "login_url", "ca_file", "timeout", "api_version", "instance_url",
    "private_key_file",
})
SECRET_NAMES: frozenset[str] = frozenset({
    "username", "password", "security_token", "client_id", "client_secret", "access_token",
})
"""Secrets a profile may name (as ``<name>_env``)."""
DEFAULT_VERSION = "59.0"
DEFAULT_TIMEOUT = 120.0


class LoginError(CrossmapError):
    """The org refused the profile's credentials (the message never carries them)."""


class ProfileSession(requests.Session):
    """A ``requests.Session`` for one profile: a CA bundle, a default timeout (so a hung
    connection becomes a retryable timeout), and login calls routed to ``login_url``.

    simple-salesforce always logs in at ``https://{domain}.salesforce.com``; routing
    lets the same code log in to a local org.
    """

    def __init__(self, *, ca_file: str | None = None, login_url: str | None = None,
                 timeout: float = DEFAULT_TIMEOUT) -> None:
        super().__init__()
        if ca_file is not None:
            self.verify = ca_file
        self._login_url = login_url.rstrip("/") if login_url else None
        self._timeout = timeout

    def request(self, method: str | bytes, url: str | bytes,
                *args: Any, **kwargs: Any) -> requests.Response:
        verb = method.decode() if isinstance(method, bytes) else method
        text = url.decode() if isinstance(url, bytes) else url
        parts = urlsplit(text)
        if self._login_url and parts.hostname and parts.hostname.endswith(".salesforce.com"):
            text = self._login_url + parts.path + (f"?{parts.query}" if parts.query else "")
        # An explicit verify wins over REQUESTS_CA_BUNDLE, which would otherwise replace
        # the profile's CA file.
        kwargs.setdefault("verify", self.verify)
        kwargs.setdefault("timeout", self._timeout)
        return super().request(verb, text, *args, **kwargs)


def make_session(profile: Profile) -> ProfileSession:
    """The HTTP session a profile asks for."""
    ca = profile.path("ca_file")
    if ca is not None and not ca.is_file():
        raise ProfileError(f"profile '{profile.name}': ca_file {ca} does not exist")
    return ProfileSession(
        ca_file=str(ca) if ca is not None else None,
        login_url=profile.get("login_url"),
        timeout=float(profile.get("timeout", DEFAULT_TIMEOUT)),
    )


@frozen
class Connection:
    """A logged-in client and how to log in again when the session expires."""

    sf: Salesforce = field(repr=False)
    login: Callable[[], Salesforce] | None = field(default=None, repr=False)
    auth: str = "token"


def _login_base(profile: Profile) -> str:
    url = profile.get("login_url")
    if url:
        return str(url).rstrip("/")
    return f"https://{profile.get('domain', 'login')}.salesforce.com"


def _password(profile: Profile, session: requests.Session, version: str) -> Salesforce:
    kwargs: dict[str, Any] = {
        "username": profile.secret("username"), "password": profile.secret("password"),
        "domain": profile.get("domain", "login"), "session": session, "version": version,
    }
    if profile.has_secret("client_id"):
        # OAuth username-password flow through a connected app.
        kwargs["consumer_key"] = profile.secret("client_id")
        kwargs["consumer_secret"] = profile.secret("client_secret")
    else:
        kwargs["security_token"] = profile.secrets.get("security_token", "")
    return Salesforce(**kwargs)


def _jwt(profile: Profile, session: requests.Session, version: str) -> Salesforce:
    key = profile.path("private_key_file")
    if key is None:
        raise ProfileError(f"profile '{profile.name}': jwt auth needs private_key_file")
    if not key.is_file():
        raise ProfileError(f"profile '{profile.name}': private_key_file {key} does not exist")
    return Salesforce(
        username=profile.secret("username"), consumer_key=profile.secret("client_id"),
        privatekey_file=str(key), domain=profile.get("domain", "login"), session=session,
        version=version,
    )


def _client_credentials(profile: Profile, session: requests.Session, version: str) -> Salesforce:
    # Sent in the form body, which Salesforce accepts as well as Basic auth.
    response = session.post(f"{_login_base(profile)}/services/oauth2/token", data={
        "grant_type": "client_credentials", "client_id": profile.secret("client_id"),
        "client_secret": profile.secret("client_secret"),
    })
    try:
        body = response.json()
    except ValueError:
        body = {}
    if response.status_code != 200 or "access_token" not in body:
        raise LoginError(
            f"profile '{profile.name}': client-credentials login failed "
            f"({response.status_code} {body.get('error', '')}: {body.get('error_description', '')})"
        )
    return Salesforce(instance_url=body["instance_url"], session_id=body["access_token"],
                      session=session, version=version)


def _token(profile: Profile, session: requests.Session, version: str) -> Salesforce:
    instance = profile.get("instance_url")
    if not instance:
        raise ProfileError(f"profile '{profile.name}': token auth needs instance_url")
    return Salesforce(instance_url=str(instance), session_id=profile.secret("access_token"),
                      session=session, version=version)


_LOGINS: dict[str, Callable[[Profile, requests.Session, str], Salesforce]] = {
    "password": _password,
    "jwt": _jwt,
    "client_credentials": _client_credentials,
    "token": _token,
}


def check_keys(profile: Profile, also: Iterable[str] = ()) -> None:
    """Refuse keys the connector does not know (a typo would otherwise be ignored);
    ``also`` names other accepted keys, offered as suggestions."""
    known = [*PROFILE_KEYS, *(f"{name}_env" for name in SECRET_NAMES)]
    given = [*profile.settings, *(f"{name}_env" for name in profile.secrets)]
    for key in given:
        if key not in known:
            pool = [*known, *also]
            hint = did_you_mean(key, pool) or f"known keys: {', '.join(sorted(pool))}"
            raise ProfileError(f"profile '{profile.name}': unknown key '{key}' ({hint})")


def connect(profile: Profile, *, session: requests.Session | None = None) -> Connection:
    """Log in as the profile says; the returned connection can log in again."""
    check_keys(profile)
    way = str(profile.get("auth", "password"))
    login_way = _LOGINS.get(way)
    if login_way is None:
        raise ProfileError(
            f"profile '{profile.name}': unknown auth '{way}' (one of: {', '.join(AUTH_WAYS)})"
        )
    http = session if session is not None else make_session(profile)
    version = str(profile.get("api_version", DEFAULT_VERSION))

    def login() -> Salesforce:
        try:
            return login_way(profile, http, version)
        except SalesforceAuthenticationFailed as exc:
            # The exception's text is the org's message, which names no secret.
            # ``exc.message`` is simple-salesforce's template ("... {content}"); the
            # org's own words are ``auth_message``.
            said = getattr(exc, "auth_message", None) or "no reason given"
            raise LoginError(f"profile '{profile.name}': {way} login failed: {exc.code}: {said}") from None
        except requests.RequestException as exc:
            # Only the host is named: a login request's URL or body may carry a secret.
            url = exc.request.url if exc.request is not None and exc.request.url else ""
            where = urlsplit(str(url)).netloc or "the login host"
            raise LoginError(f"profile '{profile.name}': cannot reach {where} to log in "
                             f"({type(exc).__name__}); check the profile's login_url or domain, "
                             "and the network") from None

    sf = login()
    return Connection(sf, None if way == "token" else login, way)
