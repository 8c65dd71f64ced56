"""Fixtures for the report tests: a fresh report store and a place to write report files."""

from pathlib import Path
from typing import Iterator

import pytest

from mailsec.reports.store import ReportStore


@pytest.fixture
def state_dir(tmp_path: Path) -> Path:
    return tmp_path / "state"


@pytest.fixture
def store(state_dir: Path) -> Iterator[ReportStore]:
    with ReportStore.open(state_dir) as opened:
        yield opened


@pytest.fixture
def write(tmp_path: Path):
    """Write bytes to a file under tmp_path/in and return its path."""
    folder = tmp_path / "in"
    folder.mkdir()

    def write_file(name: str, data: bytes) -> Path:
        path = folder / name
        path.write_bytes(data)
        return path

    return write_file
