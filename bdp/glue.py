"""Glue a computed value into the chapter's prose, on every runtime.

The book's prose quotes numbers through MyST-NB's ``{glue:text}`` roles, filled from values a cell
glued. MyST-NB is a *build* package: Colab and a learner's plain Jupyter do not have it, and a
chapter that imported it would stop at its first cell there. Chapters therefore glue through the
kit::

    from bdp.glue import glue
    glue("n_rows", int(len(df)), display=False)

With MyST-NB installed (the book build) this is :func:`myst_nb.glue` itself. Without it, the
value is not needed by anything (no prose is rendered in a notebook), so ``display=False`` does
nothing and ``display=True`` shows the value as a normal output — what the learner would see.
"""

from __future__ import annotations

from typing import Any

__all__ = ["glue", "glued", "HAS_MYST_NB"]

try:  # the book build
    from myst_nb import glue as _myst_glue

    HAS_MYST_NB = True
except ImportError:  # Colab, Binder without the build stack, a plain Jupyter
    _myst_glue = None
    HAS_MYST_NB = False

_VALUES: dict[str, Any] = {}  # every value glued in this kernel, by name


def plain(value: Any) -> Any:
    """A NumPy scalar as the Python number it holds; anything else unchanged.

    MyST-NB formats a glued number (``{glue:text}`x:.1f```) from the value's text form, and
    NumPy 2 writes scalars as ``np.float64(1.5)``, which is not a number: the format fails and
    the prose shows nothing.
    """
    if type(value).__module__ == "numpy" and getattr(value, "ndim", None) == 0:
        return value.item()
    return value


def glue(name: str, variable: Any, display: bool = True) -> None:
    """Make ``variable`` available to the prose as ``{glue:…}`name```; show it when ``display``."""
    if not isinstance(name, str) or not name:
        raise ValueError(f"a glue name must be a non-empty string, got {name!r}")
    variable = plain(variable)
    _VALUES[name] = variable
    if _myst_glue is not None:
        _myst_glue(name, variable, display=display)
    elif display:
        from IPython.display import display as show

        show(variable)


def glued() -> dict[str, Any]:
    """The values glued so far in this kernel, by name (the latest value of each)."""
    return dict(_VALUES)
