"""bdp — the course kit of the *Big Data Processing* course book.

Submodules: :mod:`bdp.config` (the ``BDP_SCALE`` knob), :mod:`bdp.clusters` (Dask and Spark
sessions that run embedded by default and on a real cluster when one is configured),
:mod:`bdp.datasets` (seeded offline generators), :mod:`bdp.checks` (exercise grading).
"""

__version__ = "0.1.0"
