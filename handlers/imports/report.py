"""An import's report in lines of plain text, as the DM after an upload and `rapport import` show it."""

from __future__ import annotations

from collections.abc import Callable

from models.imports.values import ImportReport


def _as_stated(reason: str) -> str:
    return reason


def report_lines(report: ImportReport, skip_reason: Callable[[str], str] = _as_stated) -> list[str]:
    """The counts, the notes about the whole file, then each skipped row with its reason (as the edge
    showing it words it: `skip_reason`)."""
    lines = [
        ("Dry run, nothing written: " if report.dry_run else "")
        + f"{len(report.created)} created, {len(report.merged)} merged, {len(report.skipped)} skipped."
    ]
    lines.extend(f"Note: {warning}" for warning in report.warnings)
    lines.extend(
        f"  line {outcome.line}: {outcome.name or '(no name)'}: {skip_reason(outcome.reason)}"
        for outcome in report.skipped
    )
    return lines
