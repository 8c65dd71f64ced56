"""The geometry of the server-drawn charts: sessions per day, the spam score line and rule weights."""

from datetime import date

from mailsec.reports.tls_summary import DayCounts
from mailsec.web.charts import (
    DAY_CHART_WIDTH,
    MIN_FAILED_HEIGHT,
    PLOT_BOTTOM,
    PLOT_LEFT,
    PLOT_TOP,
    SCORE_TRACK_LEFT,
    SCORE_TRACK_RIGHT,
    WEIGHT_BAR_WIDTH,
    day_chart,
    score_bar,
    weight_bars,
)

MAY_1, MAY_30 = date(2024, 5, 1), date(2024, 5, 30)


def test_every_day_of_the_span_gets_a_slot_and_unreported_days_stay_empty():
    chart = day_chart([DayCounts("2024-05-03", 10, 0)], MAY_1, MAY_30)
    assert len(chart.bars) == 30 and (chart.first_day, chart.last_day) == ("2024-05-01", "2024-05-30")
    assert [bar.day for bar in chart.bars if bar.reported] == ["2024-05-03"]
    assert all(bar.ok_height == bar.failed_height == 0 for bar in chart.bars if not bar.reported)
    assert chart.bars[0].x > PLOT_LEFT and chart.bars[-1].x + chart.bars[-1].width < DAY_CHART_WIDTH


def test_a_reported_day_outside_the_span_widens_it():
    chart = day_chart([DayCounts("2024-04-28", 5, 1), DayCounts("2024-06-02", 5, 0)], MAY_1, MAY_30)
    assert (chart.first_day, chart.last_day) == ("2024-04-28", "2024-06-02")
    assert sum(bar.reported for bar in chart.bars) == 2


def test_the_busiest_day_fills_the_plot_and_others_are_in_proportion():
    chart = day_chart([DayCounts("2024-05-01", 200, 0), DayCounts("2024-05-02", 50, 0)], MAY_1, MAY_30)
    busiest, quarter = chart.bars[0], chart.bars[1]
    assert chart.peak == 200
    assert (busiest.ok_top, busiest.ok_height) == (PLOT_TOP, PLOT_BOTTOM - PLOT_TOP)
    assert quarter.ok_height == (PLOT_BOTTOM - PLOT_TOP) / 4


def test_a_few_failures_among_many_sessions_still_show_below_the_successes():
    bar = day_chart([DayCounts("2024-05-01", 5000, 1)], MAY_1, MAY_30).bars[0]
    assert bar.failed_height == MIN_FAILED_HEIGHT == 3 and bar.failed_top + bar.failed_height == PLOT_BOTTOM
    assert bar.ok_top + bar.ok_height == bar.failed_top and bar.ok_top >= PLOT_TOP
    assert bar.mark_y == bar.ok_top - 3


def test_a_span_without_reports_still_draws_an_empty_chart():
    chart = day_chart([], MAY_1, MAY_30)
    assert chart.peak == 1 and not any(bar.reported for bar in chart.bars)


def test_the_score_line_holds_the_score_the_threshold_and_zero_with_room_on_both_sides():
    bar = score_bar(-8.7093994001033, 2)
    assert (bar.low, bar.high) == (-10, 3)
    assert SCORE_TRACK_LEFT < bar.score_x < bar.threshold_x < SCORE_TRACK_RIGHT
    assert bar.ham_width + bar.spam_width == SCORE_TRACK_RIGHT - SCORE_TRACK_LEFT
    spam = score_bar(14.2, 5)
    assert (spam.low, spam.high) == (-1, 16) and spam.threshold_x < spam.score_x


def test_the_largest_weight_fills_its_half_and_the_sign_picks_the_side():
    lowers, raises, none, zero = weight_bars([-7, 3.5, None, 0])
    half = WEIGHT_BAR_WIDTH / 2
    assert (lowers.x, lowers.width, lowers.raises) == (0, half, False)
    assert (raises.x, raises.width, raises.raises) == (half, half / 2, True)
    assert none is None and zero is None
    assert weight_bars([0.001, -7])[0].width == 1.0  # a tiny weight is still a visible sliver
