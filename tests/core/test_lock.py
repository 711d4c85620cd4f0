"""The lock file: every dependency pyproject.toml names is pinned there, with hashes, within its range."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+) \\$", re.MULTILINE)


def pins(lock_text: str) -> dict[str, str]:
    return {canonicalize_name(name): version for name, version in _PIN.findall(lock_text)}


def test_every_dependency_is_pinned_in_the_lock_within_the_range_pyproject_allows() -> None:
    """A dependency added or narrowed in pyproject.toml without `make lock` fails here, not in CI's install."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = [Requirement(text) for text in project["dependencies"] + project["optional-dependencies"]["dev"]]
    wanted.append(Requirement(tomllib.loads((ROOT / "pyproject.toml").read_text())["build-system"]["requires"][0]))
    pinned = pins((ROOT / "requirements.lock").read_text())
    for requirement in wanted:
        name = canonicalize_name(requirement.name)
        assert name in pinned, f"{requirement.name} is not in requirements.lock: run `make lock`"
        assert requirement.specifier.contains(pinned[name]), f"{name}=={pinned[name]} is outside {requirement}"


def test_every_pin_carries_hashes_and_the_known_vulnerable_releases_are_excluded() -> None:
    """pip installs with --require-hashes; waitress < 3.0.1 and tqdm < 4.66.3 have published advisories."""
    text = (ROOT / "requirements.lock").read_text()
    pinned = pins(text)
    hashed = re.findall(r"^(\S+)==\S+ \\\n\s+--hash=sha256:[0-9a-f]{64}", text, re.MULTILINE)
    assert len(hashed) == len(pinned) > 40
    assert Requirement("waitress>=3.0.1").specifier.contains(pinned["waitress"])
    assert Requirement("tqdm>=4.66.3").specifier.contains(pinned["tqdm"])
