"""Fixtures for the app tests; the contest and helpers live in appkit.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from appkit import Contest, build_contest


@pytest.fixture
def small(tmp_path: Path) -> Contest:
    """The hand-built four-rep contest of appkit.py in a fresh folder."""
    return build_contest(tmp_path)
