"""A submitted form's answers as Slack posts them in the view's state, for `SlackDriver.submit` and the like."""

from __future__ import annotations

from typing import Any


def answers(**fields: str | dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A view's state values: each field's element under the block of the same name, as our forms have them;
    a string is what was typed in a plain text input."""
    return {
        name: {name: plain_text_input(value) if isinstance(value, str) else value} for name, value in fields.items()
    }


def plain_text_input(value: str) -> dict[str, Any]:
    return {"type": "plain_text_input", "value": value}


def static_select(value: str) -> dict[str, Any]:
    return {"type": "static_select", "selected_option": {"value": value}}


def radio_buttons(value: str) -> dict[str, Any]:
    return {"type": "radio_buttons", "selected_option": {"value": value}}


def checkboxes(*values: str) -> dict[str, Any]:
    return {"type": "checkboxes", "selected_options": [{"value": value} for value in values]}


def datepicker(day: str) -> dict[str, Any]:
    """A date picked, as ISO `YYYY-MM-DD`."""
    return {"type": "datepicker", "selected_date": day}


def timepicker(time_of_day: str) -> dict[str, Any]:
    """A time picked, as `HH:MM`."""
    return {"type": "timepicker", "selected_time": time_of_day}


def file_input(*files: dict[str, Any]) -> dict[str, Any]:
    """Files uploaded in the form, as the stand-in's `add_file` describes them."""
    return {"type": "file_input", "files": list(files)}
