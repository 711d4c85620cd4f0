"""Slack entrypoints: listeners that parse a payload, call one use case and render the reply."""

from __future__ import annotations

from slack_bolt import App

from handlers.briefings import listeners as briefings
from handlers.home import listeners as home
from handlers.imports import listeners as imports
from handlers.kit import errors
from handlers.kit.actor import remember_workspace
from handlers.kit.deps import Deps, provide
from handlers.logcall import listeners as logcall
from handlers.network import listeners as network
from handlers.nudges import listeners as nudges


def register_listeners(app: App, deps: Deps) -> None:
    """Register every listener of the app; the manifest lists exactly these."""
    app.middleware(provide(deps))  # every listener names `deps` among its arguments and gets these
    app.middleware(remember_workspace)  # every listener's `actor_of` reads the workspace it finds
    errors.register(app)
    for capability in (logcall, network, nudges, briefings, home, imports):
        capability.register(app)
