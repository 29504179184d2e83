"""Authentication: users' passwords, the connected app, and bearer sessions.

Access tokens are random, stored with an expiry in the org's database (so they
survive a restart like the data do) and checked on every API call; an unknown or
expired token is the 401 ``INVALID_SESSION_ID`` that makes simple-salesforce
re-authenticate.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime, timedelta

from attrs import field, frozen

from crossmap_salesforce.emulator.clock import Clock
from crossmap_salesforce.emulator.errors import OrgError
from crossmap_salesforce.emulator.storage import Store


@frozen
class Credentials:
    """The secrets of an org: its admin login and its connected app."""

    username: str
    password: str = field(repr=False)
    client_id: str
    client_secret: str = field(repr=False)


class LoginFailed(Exception):
    """A login attempt with bad credentials (the message names no secret)."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


def invalid_session() -> OrgError:
    """The 401 every call with a bad or expired token gets."""
    return OrgError(401, "INVALID_SESSION_ID", "Session expired or invalid")


class Auth:
    """Checks credentials and tokens of one org."""

    def __init__(self, store: Store, clock: Clock, session_seconds: int, org_id: str) -> None:
        self._store = store
        self._clock = clock
        self._lifetime = timedelta(seconds=session_seconds)
        self._org_id = org_id

    def ensure_credentials(self, username: str) -> Credentials:
        """The org's credentials, generated on first start and kept afterwards."""
        saved = self._store.get_setting("credentials")
        if saved is None:
            saved = {
                "username": username,
                "password": secrets.token_urlsafe(12),
                "client_id": "3MVG9" + secrets.token_urlsafe(30).replace("-", "x"),
                "client_secret": secrets.token_hex(32).upper(),
            }
            with self._store.transaction() as conn:
                self._store.put_setting(conn, "credentials", saved)
        return Credentials(**saved)

    def set_password(self, username: str, password: str) -> None:
        """Give another user a password (users created through the API have none)."""
        with self._store.transaction() as conn:
            passwords = self._store.get_setting("passwords", {})
            passwords[username.lower()] = password
            self._store.put_setting(conn, "passwords", passwords)

    def _password_ok(self, username: str, password: str) -> bool:
        creds = self._store.get_setting("credentials") or {}
        expected: str | None = None
        if creds.get("username", "").lower() == username.lower():
            expected = creds["password"]
        else:
            expected = self._store.get_setting("passwords", {}).get(username.lower())
        # The SOAP login appends the security token to the password; the emulator's
        # users have an empty token, so the password must match exactly.
        return expected is not None and hmac.compare_digest(expected, password)

    def check_client(self, client_id: str | None, client_secret: str | None) -> None:
        """Accept only the org's connected app."""
        creds = self._store.get_setting("credentials") or {}
        if not client_id or not hmac.compare_digest(client_id, creds.get("client_id", "")):
            raise LoginFailed("invalid_client_id", "client identifier invalid")
        if client_secret is not None and not hmac.compare_digest(
            client_secret, creds.get("client_secret", "")
        ):
            raise LoginFailed("invalid_client", "invalid client credentials")

    def login(self, username: str, password: str, user_id_for: dict[str, str]) -> str:
        """Check a username and password; returns the user's Id."""
        user_id = user_id_for.get(username.lower())
        if user_id is None or not self._password_ok(username, password):
            raise LoginFailed("invalid_grant", "authentication failure")
        return user_id

    def issue(self, user_id: str) -> str:
        """A new access token for ``user_id``."""
        token = f"{self._org_id[:15]}!{secrets.token_urlsafe(48)}"
        expires = self._clock() + self._lifetime
        with self._store.transaction() as conn:
            conn.execute(
                "INSERT INTO sessions (token, user_id, expires) VALUES (?, ?, ?)",
                (token, user_id, expires.isoformat()),
            )
        return token

    def revoke(self, token: str) -> None:
        """End a session (``/services/oauth2/revoke``)."""
        with self._store.transaction() as conn:
            conn.execute("DELETE FROM sessions WHERE token = ?", (token,))

    def user_for(self, authorization: str | None) -> str:
        """The user Id behind an ``Authorization: Bearer`` header, or the 401."""
        if not authorization:
            raise invalid_session()
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() not in ("bearer", "oauth") or not token:
            raise invalid_session()
        row = self._store.read().execute(
            "SELECT user_id, expires FROM sessions WHERE token = ?", (token.strip(),)
        ).fetchone()
        if row is None or datetime.fromisoformat(row[1]) <= self._clock():
            raise invalid_session()
        return str(row[0])
