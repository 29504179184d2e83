"""Client-credentials tokens: fetched lazily, renewed before they expire and again
whenever the server says a token died (which happens mid-sync, often during a long
backoff)."""

from __future__ import annotations

import threading

import httpx
from attrs import field, frozen

from crossmap_qdispatch.clock import Clock
from crossmap_qdispatch.errors import AuthError, QDispatchTransientError, unreachable


@frozen
class Credentials:
    """A Q Dispatch API client's id and secret (the secret never appears in reprs)."""

    client_id: str
    client_secret: str = field(repr=False)


class TokenSource:
    """Hands out a valid bearer token; one fetch at a time however many threads ask."""

    # Renew this long before the announced expiry, so a token never dies in flight.
    MARGIN = 30.0

    def __init__(self, client: httpx.Client, credentials: Credentials, clock: Clock, *,
                 where: str = "") -> None:
        self._client = client
        self._where = where or str(client.base_url)
        self._credentials = credentials
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires_at = 0.0
        self.fetches = 0

    def __repr__(self) -> str:
        return f"TokenSource(client_id={self._credentials.client_id!r})"

    def get(self) -> str:
        """A token believed valid now."""
        with self._lock:
            if self._token is None or self._clock.now() >= self._expires_at - self.MARGIN:
                self._fetch()
            assert self._token is not None
            return self._token

    def invalidate(self, token: str) -> None:
        """Forget ``token`` (the server rejected it); a newer one is kept."""
        with self._lock:
            if self._token == token:
                self._token = None

    def _fetch(self) -> None:
        try:
            response = self._client.post("/v1/oauth/token", data={
                "grant_type": "client_credentials",
                "client_id": self._credentials.client_id,
                "client_secret": self._credentials.client_secret,
            })
        except httpx.TransportError as exc:
            raise QDispatchTransientError(f"token request failed: {unreachable(self._where, exc)}") from None
        if response.status_code == 429 or response.status_code >= 500:
            raise QDispatchTransientError(f"token request answered {response.status_code}",
                                 status=response.status_code)
        if response.status_code != 200:
            raise AuthError(
                f"Q Dispatch rejected the client credentials for client id "
                f"{self._credentials.client_id!r} (HTTP {response.status_code}); check the "
                f"client id and secret")
        body = response.json()
        self._token = body["access_token"]
        self._expires_at = self._clock.now() + float(body.get("expires_in", 3600))
        self.fetches += 1
