"""The rollover state between runs: read back as written, written only when it changed, a corrupt file named."""

import pytest

from mailsec.refresh.rollover_store import (
    ROLLOVER_FILE,
    RolloverState,
    RolloverStoreError,
    load_rollover,
    save_rollover,
)
from tests.rollover.test_machine import HOST, ISSUER, RULES, T0, A, B, seen, stable_on, step, wanted


def a_state() -> RolloverState:
    changed = step(stable_on(A), HOST, wanted(B), seen({A, B, ISSUER}), T0, RULES).state
    return RolloverState((changed,), automatic=True)


def test_before_the_first_run_there_is_no_state(tmp_path):
    assert load_rollover(tmp_path) is None


def test_the_state_reads_back_as_written_and_an_unchanged_state_is_not_rewritten(tmp_path):
    save_rollover(tmp_path, a_state())
    path = tmp_path / ROLLOVER_FILE
    written = path.stat().st_mtime_ns
    assert load_rollover(tmp_path) == a_state()
    save_rollover(tmp_path, a_state())
    assert path.stat().st_mtime_ns == written


def test_a_corrupt_file_is_named_and_says_nothing_is_removed(tmp_path):
    (tmp_path / ROLLOVER_FILE).write_text('{"format": 1, "hosts": [{"host": 1}]}')
    with pytest.raises(RolloverStoreError, match=r"is corrupt .*starts afresh and removes nothing"):
        load_rollover(tmp_path)
