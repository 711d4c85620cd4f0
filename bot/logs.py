"""Logging set-up that masks every secret (tokens, signing secret) wherever it would be printed, and
prints exceptions by their type and frames only: their messages may quote what the code held."""

from __future__ import annotations

import json
import logging
import re
import traceback
from collections.abc import Iterable
from datetime import UTC, datetime
from types import TracebackType

from sqlalchemy.exc import StatementError

from models.core.faults import drop_echoed_values

_TOKEN_PATTERN = re.compile(r"\b(xox[abposr]|xapp|xoxe(?:\.xox[bp])?)-[A-Za-z0-9-]+")


class RedactSecrets(logging.Filter):
    """Replaces known secret values and anything shaped like a Slack token with a mask."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = tuple(secret for secret in secrets if len(secret) >= 6)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "[secret]")
        return _TOKEN_PATTERN.sub(r"\1-[secret]", text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self.redact(message)
        if record.exc_info and not record.exc_text:
            record.exc_text = format_exception_without_messages(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if redacted != message or record.args:
            record.msg, record.args = redacted, None
        return True


ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None] | tuple[None, None, None]
#: Printed where an exception's message would be.
WITHHELD = "(message left out of the logs: it may quote names, notes or addresses)"


def format_exception_without_messages(exc_info: ExcInfo) -> str:
    """A traceback with every frame and the type of each exception in the chain, but no message.

    An exception's message may quote what the failing code held: a contact's name or e-mail, notes,
    a calendar's secret address. The frames and types say where and what went wrong; the values
    stay out of the logs. Database errors keep theirs, told without values: no SQL parameters
    (`bot.db.make_engine`), nothing the server echoed of a row (`drop_echoed_values`).
    """
    chain: list[BaseException] = []
    error = exc_info[1]
    while error is not None and error not in chain:
        chain.append(error)
        error = error.__cause__ or (None if error.__suppress_context__ else error.__context__)
    parts = []
    for error in reversed(chain):
        stack = "".join(traceback.format_tb(error.__traceback__))
        told_without_values = isinstance(error, StatementError) or drop_echoed_values(error)
        message = str(error) if told_without_values else WITHHELD
        parts.append(f"Traceback (most recent call last):\n{stack}{_type_name(type(error))}: {message}")
    return "\n\nThe above was raised while handling:\n".join(parts)


def _type_name(exc_type: type[BaseException]) -> str:
    module = exc_type.__module__
    return exc_type.__qualname__ if module == "builtins" else f"{module}.{exc_type.__qualname__}"


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message (and the exception), for log pipelines."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: str, secrets: Iterable[str], json_lines: bool = False) -> None:
    handler = logging.StreamHandler()
    if json_lines:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Alembic announces every plugin at INFO on each start; only its warnings matter to an operator.
    logging.getLogger("alembic").setLevel(max(logging.WARNING, root.level))
