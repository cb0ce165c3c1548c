"""The UCI *Wine* data as the original headerless ``wine.data`` file, rebuilt offline.

The reference course downloads ``wine.data`` from the UCI repository and parses it with Spark's
``textFile``. scikit-learn bundles the same 178 samples (:func:`sklearn.datasets.load_wine`), so
:func:`make_wine_file` writes them back in the UCI layout — no network needed::

    1,14.23,1.71,2.43,15.6,127,2.8,3.06,.28,2.29,5.64,1.04,3.92,1065

14 comma-separated fields per line, no header: the **class label first** (cultivar 1, 2 or 3 —
59, 71 and 48 samples), then the 13 measurements, numbers in the UCI style (shortest decimal
text, no trailing zeros, no leading zero before the point: ``.28``). :data:`WINE_COLUMNS` holds the
correct 14 names in file order. (The reference notebook's schema was shifted by one: it called
the class ``alcohol`` and dropped ``proline``.)

==== ===============================  ==============================================
 #    name in :data:`WINE_COLUMNS`     meaning (units as in the UCI documentation)
==== ===============================  ==============================================
 0    ``cultivar``                     class label 1–3 (an int)
 1    ``alcohol``                      % vol
 2    ``malic_acid``                   g/l
 3    ``ash``                          g/l
 4    ``alcalinity_of_ash``
 5    ``magnesium``                    mg/l (integers)
 6    ``total_phenols``
 7    ``flavanoids``
 8    ``nonflavanoid_phenols``
 9    ``proanthocyanins``
 10   ``color_intensity``
 11   ``hue``
 12   ``od280_od315_of_diluted_wines`` scikit-learn spells it ``od280/od315_of_diluted_wines``
 13   ``proline``                      mg/l (integers)
==== ===============================  ==============================================

The label is named ``cultivar`` rather than ``class`` so that it is a valid Python identifier
(``Row(cultivar=1, ...)``, ``df.cultivar``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bdp.datasets._write import (
    MANIFEST,
    Dataset,
    DatasetError,
    atomic_dir,
    check_out,
    check_out_file,
    default_out,
    write_text_atomically,
)

__all__ = ["make_wine_file", "make_wine", "wine_lines", "WINE_COLUMNS", "WINE_FILE"]

WINE_COLUMNS: tuple[str, ...] = (
    "cultivar",
    "alcohol",
    "malic_acid",
    "ash",
    "alcalinity_of_ash",
    "magnesium",
    "total_phenols",
    "flavanoids",
    "nonflavanoid_phenols",
    "proanthocyanins",
    "color_intensity",
    "hue",
    "od280_od315_of_diluted_wines",
    "proline",
)

#: the file name the UCI repository uses
WINE_FILE = "wine.data"


def _uci_number(x: float) -> str:
    """``127.0`` → ``127``, ``0.28`` → ``.28``, ``15.6`` → ``15.6`` (exact: shortest round-trip text)."""
    text = repr(float(x))
    if text.endswith(".0"):
        text = text[:-2]
    if text.startswith("0."):
        text = text[1:]
    return text


def wine_lines() -> list[str]:
    """The 178 lines of ``wine.data`` (without newlines), in the UCI order (sorted by class)."""
    from sklearn.datasets import load_wine

    bunch = load_wine()
    return [
        ",".join([str(int(label) + 1)] + [_uci_number(v) for v in row])
        for label, row in zip(bunch.target, bunch.data)
    ]


def make_wine_file(out_path: Any, *, overwrite: bool = False) -> Path:
    """Write ``wine.data`` (UCI layout, see the module docstring) to ``out_path`` atomically.

    ``out_path`` is the file to create (e.g. ``tmp / "wine.data"``); an existing file is replaced
    only with ``overwrite=True``. Returns the absolute path. Read it back with, e.g.,
    ``pd.read_csv(path, header=None, names=WINE_COLUMNS)`` or Spark's ``sc.textFile(str(path))``.
    """
    path = check_out_file(out_path, None, overwrite, arg="out_path")
    write_text_atomically(path, "\n".join(wine_lines()) + "\n", encoding="ascii")
    return path


def make_wine(out: Any = None, *, overwrite: bool = False, progress: bool | None = None) -> Dataset:
    """Write ``out/wine.data`` plus a ``bdp`` manifest (the ``python -m bdp data wine`` entry).

    Fixed size (178 rows) and no randomness, so there is no ``rows`` or ``seed``.
    """
    del progress  # instantaneous
    if out is None:
        root = default_out("wine")
        overwrite = False
    else:
        root = check_out(out, overwrite)
    with atomic_dir(root, overwrite) as tmp:
        make_wine_file(tmp / WINE_FILE)
        manifest = {
            "dataset": "wine",
            "rows": 178,
            "seed": 0,
            "formats": ["data"],
            "partitions": 1,
            "single_file": WINE_FILE,
            "params": {"columns": list(WINE_COLUMNS)},
            "files": {"data": [WINE_FILE]},
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return Dataset(
        name="wine",
        root=root,
        rows=178,
        seed=0,
        formats=("data",),
        files={"data": (root / WINE_FILE,)},
        params={"columns": list(WINE_COLUMNS)},
    )


def wine_schema() -> Any:
    """The pandera schema of ``pd.read_csv(path, header=None, names=WINE_COLUMNS)``."""
    import warnings

    # pandera imports PySpark's pandas API, which warns about pandas 3 (see bdp.datasets.schemas)
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
    import pandera.pandas as pa

    features = {name: pa.Column("float64", pa.Check.ge(0), coerce=True) for name in WINE_COLUMNS[1:]}
    return pa.DataFrameSchema(
        {"cultivar": pa.Column("int64", pa.Check.isin([1, 2, 3])), **features},
        checks=[pa.Check(lambda df: len(df) == 178, element_wise=False, name="178_rows")],
        strict=True,
        ordered=True,
        name="wine",
    )
