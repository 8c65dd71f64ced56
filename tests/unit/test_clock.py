"""MAILSEC_NOW stands in for the current time."""

import datetime as dt

import pytest

from mailsec import clock
from mailsec.errors import MailsecError


def test_mailsec_now_sets_the_current_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAILSEC_NOW", "1767225600")

    assert clock.now() == dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)


def test_without_mailsec_now_the_time_is_the_real_utc_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MAILSEC_NOW", raising=False)
    before = dt.datetime.now(dt.timezone.utc)

    assert before <= clock.now() <= dt.datetime.now(dt.timezone.utc)


@pytest.mark.parametrize("value", ["tomorrow", "1e400", "nan"])
def test_mailsec_now_that_is_no_moment_is_an_error_the_owner_sees(monkeypatch: pytest.MonkeyPatch, value) -> None:
    monkeypatch.setenv("MAILSEC_NOW", value)

    with pytest.raises(MailsecError, match="MAILSEC_NOW"):
        clock.now()
