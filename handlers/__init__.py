"""Slack entrypoints: listeners that parse a payload, call one use case and render the reply."""

from __future__ import annotations

from slack_bolt import App

from handlers import briefings, digests, errors, home, imports, logcall, whoknows
from handlers.deps import Deps


def register_listeners(app: App, deps: Deps) -> None:
    """Register every listener of the app; the manifest lists exactly these."""
    errors.register(app)
    logcall.register(app, deps)
    whoknows.register(app, deps)
    digests.register(app, deps)
    briefings.register(app, deps)
    home.register(app, deps)
    imports.register(app, deps)
