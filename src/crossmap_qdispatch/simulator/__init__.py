"""A local Q Dispatch API simulator over HTTPS, for tests and the demo.

    with Simulator(seed=1, scale=2) as sim:
        sim.base_url, sim.ca_file, sim.client_id, sim.client_secret

or from a shell: ``python -m crossmap_qdispatch.simulator --port 0 --seed 1 --scale 2``.
"""

from __future__ import annotations

import secrets
import socket
import tempfile
import threading
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import uvicorn

from crossmap_qdispatch.clock import Clock, SystemClock
from crossmap_qdispatch.simulator.app import SimulatorState, build_app
from crossmap_qdispatch.simulator.faults import FaultInjector, Faults
from crossmap_qdispatch.simulator.ratelimit import Limits, RateLimiter
from crossmap_qdispatch.simulator.store import Store
from crossmap_qdispatch.simulator.tls import make_tls

__all__ = ["Faults", "Limits", "Simulator", "SimulatorError", "Store"]


class SimulatorError(RuntimeError):
    """The simulator could not start."""


class Simulator:
    """A running simulator: started by ``start()`` or ``with``, stopped by ``stop()``.

    ``clock`` drives token expiry, rate-limit windows and mutation timestamps; pass a
    ``ManualClock`` (and the same clock to the connector) so tests never sleep.
    """

    def __init__(self, seed: int = 0, scale: int = 1, *, port: int = 0,
                 faults: Faults | None = None, limits: Limits | None = None,
                 clock: Clock | None = None, token_ttl: int = 3600,
                 client_id: str = "crossmap-demo", client_secret: str | None = None) -> None:
        self.seed, self.scale, self.port = seed, scale, port
        self.clock: Clock = clock or SystemClock()
        self.client_id = client_id
        self._client_secret = client_secret or secrets.token_urlsafe(18)
        self.store = Store(seed, scale, self.clock)
        self.state = SimulatorState(
            store=self.store, clock=self.clock,
            injector=FaultInjector(seed, faults or Faults()),
            limiter=RateLimiter(limits or Limits(), self.clock),
            client_id=client_id, client_secret=self._client_secret, token_ttl=token_ttl)
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.base_url = ""
        self.ca_file = Path()

    def __repr__(self) -> str:
        return f"Simulator(base_url={self.base_url!r}, seed={self.seed}, scale={self.scale})"

    @property
    def client_secret(self) -> str:
        """The client secret (a property so it stays out of ``vars``-based dumps)."""
        return self._client_secret

    @property
    def limits(self) -> Limits:
        """The published rate limits."""
        return self.state.limiter.limits

    def set_faults(self, faults: Faults) -> None:
        """Switch the injected faults while running."""
        self.state.injector.configure(faults)

    def info(self) -> dict[str, Any]:
        """What a client needs: the JSON line the command prints."""
        return {"base_url": self.base_url, "ca_file": str(self.ca_file),
                "client_id": self.client_id, "client_secret": self._client_secret}

    def start(self) -> Self:
        """Serve on 127.0.0.1 in a background thread; returns once it accepts."""
        self._tmp = tempfile.TemporaryDirectory(prefix="qdispatch-sim-")
        tls = make_tls(Path(self._tmp.name))
        self.ca_file = tls.ca_file
        # proto=IPPROTO_TCP explicitly: asyncio only sets TCP_NODELAY on accepted sockets
        # whose proto says TCP, and without it Nagle + delayed ACK add ~40 ms per response.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        port = sock.getsockname()[1]
        config = uvicorn.Config(
            build_app(self.state), log_level="warning", access_log=False, lifespan="off",
            ssl_certfile=str(tls.cert_file), ssl_keyfile=str(tls.key_file),
            http="h11", loop="asyncio", timeout_keep_alive=30)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]},
                                        name=f"qdispatch-sim-{port}", daemon=True)
        self._thread.start()
        while not self._server.started:
            if not self._thread.is_alive():
                sock.close()
                raise SimulatorError("the Q Dispatch simulator failed to start")
            self._thread.join(0.01)
        self.base_url = f"https://127.0.0.1:{port}"
        return self

    def stop(self) -> None:
        """Stop serving and remove the certificate files."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(10)
        if self._tmp is not None:
            self._tmp.cleanup()
        self._server = self._thread = self._tmp = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
