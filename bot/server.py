"""HTTP mode: Slack's requests on /slack/events (signatures checked by Bolt), served by waitress."""

from __future__ import annotations

import gc
import json
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"


def make_wsgi_app(app: App, health: Callable[[], bool] = lambda: True) -> Callable[..., Iterable[bytes]]:
    """Slack's endpoint plus a health check for load balancers and orchestrators."""
    slack = SlackRequestHandler(app, path=EVENTS_PATH)

    def wsgi(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH:
            healthy = health()
            body = json.dumps({"ok": healthy}).encode()
            status = "200 OK" if healthy else "503 Service Unavailable"
            start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        return slack(environ, start_response)

    return wsgi


def serve(
    app: App,
    port: int,
    host: str = "0.0.0.0",
    threads: int = 16,
    health: Callable[[], bool] = lambda: True,
    **options: Any,
) -> None:
    """Serve until interrupted, with waitress: a production WSGI server (threads, buffering, timeouts)."""
    from waitress import serve as waitress_serve

    # What is loaded at start-up lives as long as the process: keep the collector from rescanning it,
    # and collect less often, so that its pauses do not land on Slack's acknowledgements.
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)

    waitress_serve(make_wsgi_app(app, health), host=host, port=port, threads=threads, ident="rapport", **options)
