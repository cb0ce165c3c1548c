"""The one place the book's size knob, ``BDP_SCALE``, is read and validated.

Every chapter sizes its data with :func:`scale` (or :func:`pick`), so a learner switches the whole
book between the quick default and the real-size experience with one environment variable::

    BDP_SCALE=full jupyter-book build .
"""

from __future__ import annotations

import os
from typing import Literal, TypeVar, get_args

Scale = Literal["small", "full"]
SCALES: tuple[str, ...] = get_args(Scale)
DEFAULT_SCALE: Scale = "small"
ENV_VAR = "BDP_SCALE"

T = TypeVar("T")


class ConfigError(ValueError):
    """A bad course-kit setting; its message is one line that says how to fix it."""


def scale() -> Scale:
    """Return the validated ``BDP_SCALE`` (``small`` when unset or empty).

    Raises :class:`ConfigError` naming the allowed values for anything else.
    """
    raw = os.environ.get(ENV_VAR, "").strip().lower()
    if not raw:
        return DEFAULT_SCALE
    if raw not in SCALES:
        allowed = ", ".join(SCALES)
        raise ConfigError(
            f"{ENV_VAR}={os.environ[ENV_VAR]!r} is not a known scale; use one of: {allowed}"
        )
    return raw  # type: ignore[return-value]


def pick(small: T, full: T) -> T:
    """Return ``small`` or ``full`` according to :func:`scale`.

    >>> pick(small=100_000, full=55_000_000)  # doctest: +SKIP
    100000
    """
    return full if scale() == "full" else small
