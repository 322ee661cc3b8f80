"""Run the hub's HTTP API with uvicorn: ``serve`` in the foreground (the CLI), ``ServerThread`` in a
background thread (tests). No access log: it would only name URLs, but it stays off all the same."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path
from types import TracebackType

import uvicorn
from starlette.types import ASGIApp

from emr_desktop.server.api import HubService, create_app


def _config(app: ASGIApp, host: str, port: int, tls_cert: str | Path | None, tls_key: str | Path | None,
            log_level: str, **extra: object) -> uvicorn.Config:
    if (tls_cert is None) != (tls_key is None):
        raise ValueError("TLS needs both a certificate file and a key file")
    return uvicorn.Config(
        app, host=host, port=port, log_level=log_level, access_log=False,
        ssl_certfile=str(tls_cert) if tls_cert else None, ssl_keyfile=str(tls_key) if tls_key else None,
        http="h11", loop="asyncio", ws="none", lifespan="off", proxy_headers=False, server_header=False,
        **extra,  # type: ignore[arg-type]
    )


def serve(service: HubService, host: str, port: int, tls_cert: str | Path | None = None,
          tls_key: str | Path | None = None, log_level: str = "warning") -> None:
    """Serve the hub API until interrupted (Ctrl+C / SIGTERM)."""
    uvicorn.Server(_config(create_app(service), host, port, tls_cert, tls_key, log_level)).run()


class ServerThread:
    """The hub API on a free port of ``host`` in a daemon thread; ``with`` starts and stops it.

    Give a service (wrapped by ``create_app``) or a ready ``app``. ``url`` is the base URL.
    """

    def __init__(self, service: HubService | None = None, *, app: ASGIApp | None = None,
                 host: str = "127.0.0.1", tls_cert: str | Path | None = None,
                 tls_key: str | Path | None = None, log_level: str = "warning",
                 start_timeout: float = 15.0) -> None:
        if (service is None) == (app is None):
            raise ValueError("give either a service or an app")
        self.app: ASGIApp = app if app is not None else create_app(service)  # type: ignore[arg-type]
        self.host = host
        self.scheme = "https" if tls_cert else "http"
        self.start_timeout = start_timeout
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((host, 0))  # bound here, so the port is ours before the thread starts
        self.port: int = self._sock.getsockname()[1]
        # log_config=None: leave the test process's logging set-up alone.
        config = _config(self.app, host, self.port, tls_cert, tls_key, log_level, log_config=None,
                         timeout_graceful_shutdown=5)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._run, name=f"hub-api-{self.port}", daemon=True)
        self._error: BaseException | None = None

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"

    def _run(self) -> None:
        try:
            self._server.run(sockets=[self._sock])
        except BaseException as exc:  # noqa: BLE001 - handed to start(); SystemExit from uvicorn too
            self._error = exc

    def start(self) -> ServerThread:
        """Start serving; returns once the server accepts connections."""
        self._thread.start()
        deadline = time.monotonic() + self.start_timeout
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError(f"the hub API server did not start: {self._error!r}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the hub API server did not start within {self.start_timeout} s")
            self._thread.join(0.01)
        return self

    def stop(self) -> None:
        """Stop serving and close the port (idempotent)."""
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout=30)
        self._sock.close()

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
