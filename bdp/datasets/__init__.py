"""Seeded, schema-faithful, offline generators for every dataset the course uses.

Each public generator is deterministic for a seed, streams partition by partition, writes
atomically and validates its arguments. Names are resolved lazily so that importing
``bdp.datasets`` stays cheap (no pandas/xarray import until a generator is used).
"""

from __future__ import annotations

import importlib
from typing import Any

# public name -> module that defines it (each dataset module adds its own lines)
_EXPORTS: dict[str, str] = {
}


def __getattr__(name: str) -> Any:
    try:
        module = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module 'bdp.datasets' has no attribute {name!r}") from None
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return sorted(list(globals()) + list(_EXPORTS))


__all__ = sorted(_EXPORTS)
