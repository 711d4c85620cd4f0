"""Faults told without the values they carry: what a log line may say of an error, and nothing personal.

Names, e-mails, notes and calendar addresses reach exceptions in two ways: a message that quotes
what the failing code held, and a database server that echoes a row's values back (PostgreSQL's
DETAIL: "Key (name_key)=(jane doe) already exists", "Failing row contains (…)"; CONTEXT: the
line of a COPY). `describe_fault` leaves messages out altogether; `drop_echoed_values` strips a
database error of the echo while keeping what names the fault.
"""

from __future__ import annotations

import traceback
from pathlib import Path

#: SQLSTATE of "value too long for type character varying(n)": a data exception that quotes no value.
_VALUE_TOO_LONG = "22001"


def describe_fault(error: BaseException) -> str:
    """An unexpected error in a few words fit for a log line: its type and where it was raised.

    The message is left out on purpose: it may carry what the failing code held (names, e-mails,
    notes, a calendar address).
    """
    frames = traceback.extract_tb(error.__traceback__)
    where = f" at {'/'.join(Path(frames[-1].filename).parts[-2:])}:{frames[-1].lineno}" if frames else ""
    return f"{type(error).__name__}{where}"


def drop_echoed_values(error: BaseException) -> bool:
    """Rewrite a database server's error to its primary message and SQLSTATE; True when it was one.

    The primary message names the constraint, table or column ("duplicate key value violates unique
    constraint …", "null value in column …", "value too long for type character varying(255)"),
    except for data exceptions (SQLSTATE class 22), which quote the value they refused: those are
    told by their SQLSTATE alone. The server's fields stay on the error (`diag`) for code that
    reads them; only its text, which logs and tracebacks print, changes. Errors raised by the
    driver itself (no SQLSTATE) hold no value and are left as they are.
    """
    diagnostic = getattr(error, "diag", None)  # psycopg's errors keep the server's fields apart
    sqlstate = getattr(diagnostic, "sqlstate", None)
    if not isinstance(sqlstate, str) or not sqlstate:
        return False
    primary = getattr(diagnostic, "message_primary", None) or type(error).__name__
    if sqlstate.startswith("22") and sqlstate != _VALUE_TOO_LONG:
        primary = "a value its column's type refuses"
    error.args = (f"{primary} (SQLSTATE {sqlstate})",)
    return True
