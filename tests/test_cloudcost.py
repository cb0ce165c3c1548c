"""Unit tests of bdp.cloudcost, the cost model of the Cloud computing chapter."""

from __future__ import annotations

import math

import pytest

from bdp.cloudcost import (
    Job,
    Prices,
    SpotRisk,
    break_even_utilisation,
    cost,
    spot_break_even_rate,
)

PRICES = Prices(on_demand_per_hour=0.2, spot_per_hour=0.06, storage_per_gb_month=0.02,
                egress_per_gb=0.1)


def test_perfectly_parallel_work_costs_the_same_on_any_number_of_workers() -> None:
    costs = [cost(Job(work_hours=64, n_workers=n, always_on=0), PRICES).total for n in (1, 4, 64)]
    assert costs == pytest.approx([64 * 0.2] * 3)
    assert cost(Job(64, 64, always_on=0), PRICES).wall_hours == pytest.approx(1.0)


def test_amdahl_serial_fraction_makes_big_clusters_dearer_and_not_faster_than_the_limit() -> None:
    small = cost(Job(100, 4, serial_fraction=0.05), PRICES)
    big = cost(Job(100, 64, serial_fraction=0.05), PRICES)
    assert big.wall_hours < small.wall_hours
    assert big.total > small.total
    assert big.wall_hours > 100 * 0.05  # never below the serial part


def test_breakdown_adds_up_and_each_term_is_what_it_says() -> None:
    job = Job(40, 8, always_on=1, storage_gb=500, storage_months=2, egress_gb=30)
    c = cost(job, PRICES)
    assert c.wall_hours == pytest.approx(5.0)
    assert c.workers == pytest.approx(8 * 5 * 0.2)
    assert c.always_on == pytest.approx(1 * 5 * 0.2)
    assert c.storage == pytest.approx(500 * 2 * 0.02)
    assert c.egress == pytest.approx(30 * 0.1)
    assert c.total == pytest.approx(c.compute + c.storage + c.egress)


def test_spot_is_cheaper_but_slower_and_the_driver_stays_on_demand() -> None:
    job = Job(40, 8, always_on=1)
    risk = SpotRisk(interruptions_per_hour=0.1, checkpoint_hours=0.5, restart_hours=0.1)
    assert risk.overhead() == pytest.approx(0.1 * 0.35)
    od, sp = cost(job, PRICES), cost(job, PRICES, risk)
    assert sp.wall_hours == pytest.approx(od.wall_hours * 1.035)
    assert sp.workers == pytest.approx(8 * 5 * 1.035 * 0.06)
    assert sp.always_on == pytest.approx(5 * 1.035 * 0.2)  # the scheduler is never on spot
    assert sp.total < od.total


def test_spot_break_even_rate_is_where_worker_costs_meet() -> None:
    risk = SpotRisk(interruptions_per_hour=0.0, checkpoint_hours=1.0, restart_hours=0.5)
    rate = spot_break_even_rate(PRICES, risk)
    at = SpotRisk(rate, risk.checkpoint_hours, risk.restart_hours)
    job = Job(10, 5, always_on=0)
    assert cost(job, PRICES, at).workers == pytest.approx(cost(job, PRICES).workers)
    assert math.isinf(spot_break_even_rate(PRICES, SpotRisk(1.0, 0.0, 0.0)))


def test_break_even_utilisation() -> None:
    assert break_even_utilisation(owned_per_hour=0.05, rented_per_hour=0.2) == pytest.approx(0.25)


@pytest.mark.parametrize(
    "make",
    [
        lambda: Job(0, 1),
        lambda: Job(1, 0),
        lambda: Job(1, 1, serial_fraction=1.5),
        lambda: Job(1, 1, egress_gb=-1),
        lambda: Prices(-1, 0, 0, 0),
        lambda: SpotRisk(-0.1),
        lambda: break_even_utilisation(1, 0),
    ],
)
def test_bad_arguments_fail_with_one_clear_line(make) -> None:
    with pytest.raises(ValueError) as info:
        make()
    assert "\n" not in str(info.value) and str(info.value)
