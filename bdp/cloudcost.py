"""A small cost model for a cloud compute job: on-demand versus spot workers.

Used by the *Cloud computing* chapter. All prices are parameters (the chapter passes clearly
labelled, illustrative numbers): this module computes, it quotes nothing.

A job needs ``work_hours`` of single-worker compute. On ``n`` workers with a serial fraction
``s`` it takes (Amdahl's law) ``work_hours * (s + (1 - s) / n)`` hours of wall-clock time. Spot
(preemptible) workers are cheaper but can be reclaimed: each reclaim loses, on average, half a
checkpoint interval of work plus the time to restart, so the expected run is longer by the
fraction ``interruptions_per_hour * (checkpoint_hours / 2 + restart_hours)``. Always-on nodes
(the Dask scheduler, the Spark driver) stay on-demand for the whole run.

>>> p = Prices(on_demand_per_hour=1.0, spot_per_hour=0.25, storage_per_gb_month=0.0,
...            egress_per_gb=0.0)
>>> cost(Job(work_hours=10.0, n_workers=10, always_on=0), p).total
10.0
>>> cost(Job(work_hours=10.0, n_workers=10, always_on=0), p, SpotRisk(0.0)).total
2.5
"""

from __future__ import annotations

from dataclasses import dataclass


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)


@dataclass(frozen=True)
class Prices:
    """Unit prices in one currency: per VM-hour (on-demand and spot), per GB-month, per GB out."""

    on_demand_per_hour: float
    spot_per_hour: float
    storage_per_gb_month: float
    egress_per_gb: float

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            _require(value >= 0, f"price {name} must be >= 0, got {value}")


@dataclass(frozen=True)
class Job:
    """A batch job: its work, its cluster size, its data kept in storage and sent out."""

    work_hours: float  # single-worker compute hours the job needs
    n_workers: int
    serial_fraction: float = 0.0  # share of the work that does not parallelise (Amdahl)
    always_on: int = 1  # on-demand nodes running for the whole job (scheduler / driver)
    storage_gb: float = 0.0
    storage_months: float = 1.0
    egress_gb: float = 0.0  # data downloaded out of the provider's network

    def __post_init__(self) -> None:
        _require(self.work_hours > 0, f"work_hours must be > 0, got {self.work_hours}")
        _require(self.n_workers >= 1, f"n_workers must be >= 1, got {self.n_workers}")
        _require(0 <= self.serial_fraction <= 1, "serial_fraction must be in [0, 1]")
        _require(self.always_on >= 0, "always_on must be >= 0")
        for name in ("storage_gb", "storage_months", "egress_gb"):
            _require(getattr(self, name) >= 0, f"{name} must be >= 0")

    def wall_hours(self) -> float:
        """Wall-clock hours on reliable (on-demand) workers."""
        s = self.serial_fraction
        return self.work_hours * (s + (1 - s) / self.n_workers)


@dataclass(frozen=True)
class SpotRisk:
    """How often a spot worker is reclaimed, and what a reclaim costs in lost time."""

    interruptions_per_hour: float  # per worker
    checkpoint_hours: float = 0.5  # work since the last checkpoint is lost (half of it on average)
    restart_hours: float = 0.1  # time to get a replacement worker going

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            _require(value >= 0, f"{name} must be >= 0, got {value}")

    def overhead(self) -> float:
        """Expected extra run time, as a fraction of the uninterrupted run time."""
        return self.interruptions_per_hour * (self.checkpoint_hours / 2 + self.restart_hours)


@dataclass(frozen=True)
class Cost:
    """A cost breakdown, in the currency of the :class:`Prices` used."""

    workers: float
    always_on: float
    storage: float
    egress: float
    wall_hours: float

    @property
    def compute(self) -> float:
        return self.workers + self.always_on

    @property
    def total(self) -> float:
        return self.workers + self.always_on + self.storage + self.egress


def cost(job: Job, prices: Prices, spot: SpotRisk | None = None) -> Cost:
    """Cost of ``job``: workers on-demand (``spot=None``) or on spot VMs with risk ``spot``."""
    hours = job.wall_hours()
    if spot is None:
        worker_price = prices.on_demand_per_hour
    else:
        hours *= 1 + spot.overhead()
        worker_price = prices.spot_per_hour
    return Cost(
        workers=job.n_workers * hours * worker_price,
        always_on=job.always_on * hours * prices.on_demand_per_hour,
        storage=job.storage_gb * job.storage_months * prices.storage_per_gb_month,
        egress=job.egress_gb * prices.egress_per_gb,
        wall_hours=hours,
    )


def spot_break_even_rate(prices: Prices, risk: SpotRisk) -> float:
    """Interruptions per worker-hour at which spot workers cost as much as on-demand ones.

    (Worker cost only; infinite when a reclaim costs no time.)
    """
    _require(prices.spot_per_hour > 0, "spot_per_hour must be > 0")
    lost_per_interruption = risk.checkpoint_hours / 2 + risk.restart_hours
    if lost_per_interruption == 0:
        return float("inf")
    return (prices.on_demand_per_hour / prices.spot_per_hour - 1) / lost_per_interruption


def break_even_utilisation(owned_per_hour: float, rented_per_hour: float) -> float:
    """Utilisation above which owning a machine is cheaper than renting the same one.

    An owned machine costs ``owned_per_hour`` (amortised purchase, power, hosting, staff) every
    hour of the year; a rented one costs ``rented_per_hour`` only while it runs. They cost the
    same at utilisation ``owned_per_hour / rented_per_hour`` (a value above 1 means renting wins
    even at 100 % use).
    """
    _require(owned_per_hour >= 0, "owned_per_hour must be >= 0")
    _require(rented_per_hour > 0, "rented_per_hour must be > 0")
    return owned_per_hour / rented_per_hour
