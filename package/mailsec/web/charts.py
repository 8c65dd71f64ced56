"""Small charts drawn by the server as inline SVG: no script, no library, nothing fetched from elsewhere.

Each function takes numbers and returns geometry in the chart's own units (its viewBox); the templates
draw it with CSS classes for the colours (the Content-Security-Policy allows no inline styles) and say
the same in words and in a table, so a chart is never the only way to read a number.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from math import ceil, floor
from typing import Dict, List, Optional, Protocol, Sequence, Tuple

DAY_CHART_WIDTH = 640
DAY_CHART_HEIGHT = 132
PLOT_LEFT = 44  # room for the peak's number on the left
PLOT_TOP = 14  # room for the failure marks above the bars
PLOT_BOTTOM = 112  # the baseline; the dates sit below it
BAR_SHARE = 0.7  # of its day's slot, the bar fills this much
MIN_FAILED_HEIGHT = 3.0  # one failed session among thousands still shows
MIN_OK_HEIGHT = 1.0

SCORE_BAR_WIDTH = 640
SCORE_BAR_HEIGHT = 64
SCORE_TRACK_LEFT = 16
SCORE_TRACK_RIGHT = SCORE_BAR_WIDTH - 16

WEIGHT_BAR_WIDTH = 120
WEIGHT_BAR_HEIGHT = 12


class DayCount(Protocol):
    """Sessions of one UTC day; `mailsec.reports.tls_summary.DayCounts` is one."""

    day: str  # YYYY-MM-DD
    successes: int
    failures: int


@dataclass(frozen=True)
class DayBar:
    day: str
    successes: int
    failures: int
    x: float
    width: float
    ok_top: float
    ok_height: float  # 0 when nothing succeeded (or nothing was reported) that day
    failed_top: float
    failed_height: float  # 0 when nothing failed that day

    @property
    def reported(self) -> bool:
        return bool(self.successes or self.failures)

    @property
    def mark_x(self) -> float:
        """Where the mark of a day with failures stands: over the middle of the bar."""
        return _round(self.x + self.width / 2)

    @property
    def mark_y(self) -> float:
        return _round(self.ok_top - 3)


@dataclass(frozen=True)
class DayChart:
    bars: Tuple[DayBar, ...]  # one per day from the first to the last, reported or not
    peak: int  # the most sessions of any one day: the height of the plot
    width: int = DAY_CHART_WIDTH
    height: int = DAY_CHART_HEIGHT
    left: int = PLOT_LEFT
    top: int = PLOT_TOP
    baseline: int = PLOT_BOTTOM

    @property
    def first_day(self) -> str:
        return self.bars[0].day

    @property
    def last_day(self) -> str:
        return self.bars[-1].day


def day_chart(days: Sequence[DayCount], first: date, last: date) -> DayChart:
    """Stacked bars of successful and failed sessions for every day from `first` to `last`.

    Days outside that span widen it, so no reported day is ever left out of the chart. Failures sit at
    the bottom of each bar and get at least a few units of height, so that two failures next to a
    thousand successes still show.
    """
    counts: Dict[str, Tuple[int, int]] = {entry.day: (entry.successes, entry.failures) for entry in days}
    reported = sorted(date.fromisoformat(day) for day in counts)
    if reported:
        first, last = min(first, reported[0]), max(last, reported[-1])
    span = (last - first).days + 1
    peak = max([ok + failed for ok, failed in counts.values()] + [1])
    slot = (DAY_CHART_WIDTH - PLOT_LEFT) / span
    scale = (PLOT_BOTTOM - PLOT_TOP) / peak
    bars = []
    for offset in range(span):
        day = (first + timedelta(days=offset)).isoformat()
        ok, failed = counts.get(day, (0, 0))
        failed_height = max(failed * scale, MIN_FAILED_HEIGHT) if failed else 0.0
        ok_height = min(max(ok * scale, MIN_OK_HEIGHT), PLOT_BOTTOM - PLOT_TOP - failed_height) if ok else 0.0
        bars.append(DayBar(
            day=day, successes=ok, failures=failed,
            x=_round(PLOT_LEFT + offset * slot + slot * (1 - BAR_SHARE) / 2), width=_round(slot * BAR_SHARE),
            failed_top=_round(PLOT_BOTTOM - failed_height), failed_height=_round(failed_height),
            ok_top=_round(PLOT_BOTTOM - failed_height - ok_height), ok_height=_round(ok_height),
        ))
    return DayChart(tuple(bars), peak)


@dataclass(frozen=True)
class ScoreBar:
    """A spam score on a line from `low` to `high`, with the threshold that makes a message spam."""

    low: int
    high: int
    score: float
    required: float
    score_x: float
    threshold_x: float
    width: int = SCORE_BAR_WIDTH
    height: int = SCORE_BAR_HEIGHT
    left: int = SCORE_TRACK_LEFT
    right: int = SCORE_TRACK_RIGHT

    @property
    def ham_width(self) -> float:
        return _round(self.threshold_x - self.left)

    @property
    def spam_width(self) -> float:
        return _round(self.right - self.threshold_x)


def score_bar(score: float, required: float) -> ScoreBar:
    """The line runs from a whole number below both the score and the threshold (and 0) to one above."""
    low = floor(min(score, required, 0.0)) - 1
    high = ceil(max(score, required, 0.0)) + 1

    def position(value: float) -> float:
        return _round(SCORE_TRACK_LEFT + (value - low) / (high - low) * (SCORE_TRACK_RIGHT - SCORE_TRACK_LEFT))

    return ScoreBar(low, high, score, required, position(score), position(required))


@dataclass(frozen=True)
class WeightBar:
    """One rule's weight as a bar from the middle: left lowers the score (ham), right raises it (spam)."""

    x: float
    width: float
    raises: bool
    full_width: int = WEIGHT_BAR_WIDTH
    height: int = WEIGHT_BAR_HEIGHT

    @property
    def middle(self) -> float:
        return self.full_width / 2


def weight_bars(weights: Sequence[Optional[float]]) -> List[Optional[WeightBar]]:
    """A bar for each rule's weight, the largest weight in either direction filling its half; None for a rule
    without weight (or of weight 0)."""
    largest = max((abs(weight) for weight in weights if weight), default=0.0)
    return [_weight_bar(weight, largest) if weight else None for weight in weights]


def _weight_bar(weight: float, largest: float) -> WeightBar:
    half = WEIGHT_BAR_WIDTH / 2
    width = max(abs(weight) / largest * half, 1.0)
    return WeightBar(x=_round(half if weight > 0 else half - width), width=_round(width), raises=weight > 0)


def _round(value: float) -> float:
    return round(value, 1)
