"""What every figure shares: the :class:`Plot` a figure function returns, the style, saving.

A figure function takes tidy tables (lists of row dicts, as :func:`read_rows` gives) or
arrays, and returns a :class:`Plot`: the matplotlib figure, the data it draws (one row per
plotted point, with what it is: the ``.tsv`` written beside the figure, so that it can be
checked and re-plotted), and notes on what it left out (a model or temperature the inputs do
not have is named, never an error).
"""

from __future__ import annotations

import contextlib
import csv
import functools
import io
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

from glassdyn.atomic import atomic_path

STYLE = Path(__file__).with_name("glassdyn.mplstyle")

#: how the papers name the models of the comparison tables
MODEL_NAMES = {
    "glassmlp": "GlassMLP", "glassmlp-l1": "GlassMLP(L1)", "tglassmlp": "tGlassMLP", "cage-ridge": "CAGE", "glassmlp-ridge": "Ridge",
    "botan": "BOTAN", "nt-gnn": "NT-GNN", "gnn-dm": "GNN(DM)", "se3": "SE(3)", "noise_ceiling": "noise ceiling",
}
#: axis labels of the labels and metrics, in the papers' symbols
LABEL_SYMBOLS = {"propensity": r"$\mathcal{R}$", "bond_breaking": r"$C_B$"}
METRIC_SYMBOLS = {"pearson": r"$\rho_P$", "spearman": r"$\rho_S$", "r2": r"$R^2$", "edge_pearson": r"$\rho_P(E_{ij})$"}


def model_name(model: str) -> str:
    """The papers' name of a model (``baseline-epot_inh_L5`` -> ``epot_inh_L5``)."""
    if model.startswith("baseline-"):
        return model[len("baseline-"):]
    return MODEL_NAMES.get(model, model)


@dataclass
class Plot:
    """A drawn figure, the rows it plots and what it left out.

    figure : matplotlib.figure.Figure
    data : list of dicts, one per plotted value, the same keys in each (the ``.tsv``)
    notes : sentences for the caption (left-out models, temperatures, empty panels)
    """

    figure: object
    data: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """True when nothing was drawn."""
        return not self.data


@contextlib.contextmanager
def style():
    """glassdyn's matplotlib style for everything drawn inside."""
    import matplotlib.style

    with matplotlib.style.context(str(STYLE)):
        yield


def styled(function):
    """Run a figure function inside :func:`style` (rcParams are read when artists are made)."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with style():
            return function(*args, **kwargs)

    return wrapper


def new_figure(n_panels: int = 1, *, columns: int | None = None, panel_size=(3.0, 2.4), sharex=False, sharey=False):
    """A figure with ``n_panels`` axes in a grid (no pyplot: no global state, no display).

    Returns (figure, flat list of the axes in use); unused grid cells are removed.
    """
    from matplotlib.figure import Figure

    n_panels = max(1, int(n_panels))
    columns = min(n_panels, columns or min(n_panels, 3))
    rows = math.ceil(n_panels / columns)
    figure = Figure(figsize=(panel_size[0] * columns, panel_size[1] * rows))
    grid = figure.subplots(rows, columns, squeeze=False, sharex=sharex, sharey=sharey)
    axes = [ax for row in grid for ax in row]
    for ax in axes[n_panels:]:
        ax.remove()
    return figure, axes[:n_panels]


def log_time_axis(ax, label: str = r"$t$") -> None:
    """A logarithmic time axis with labels at the decades only."""
    from matplotlib.ticker import NullFormatter

    ax.set_xscale("log")
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel(label)


def empty_plot(message: str) -> Plot:
    """A figure saying that there is nothing to draw (and why), with no data rows."""
    figure, (ax,) = new_figure(1)
    ax.axis("off")
    ax.text(0.5, 0.5, message, ha="center", va="center", wrap=True, transform=ax.transAxes)
    return Plot(figure, [], [message])


def _cell(value) -> str:
    if isinstance(value, float):
        return "nan" if math.isnan(value) else f"{value:.8g}"
    return str(value)


def rows_to_tsv(rows) -> str:
    """Tab-separated text of ``rows`` (the keys of the first row are the header)."""
    rows = list(rows)
    if not rows:
        return ""
    columns = list(rows[0])
    out = io.StringIO()
    writer = csv.writer(out, delimiter="\t", lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(c, "")) for c in columns])
    return out.getvalue()


def read_rows(path) -> list[dict]:
    """Rows of a tab-separated table with a header (``#`` lines skipped), values as strings."""
    lines = [line for line in Path(path).read_text().splitlines() if line and not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t"))


def _atomic(path: Path, write) -> None:
    with atomic_path(path) as tmp:
        write(tmp)


def save_plot(plot: Plot, pdf=None, png=None, tsv=None) -> None:
    """Write the vector PDF, the 150 dpi PNG and the data table of ``plot`` (each atomically,
    each optional; the notes head the table as ``#`` lines). No dates or versions go into the
    files, so a rerun writes the same bytes."""
    with style():
        if pdf is not None:
            _atomic(Path(pdf), lambda p: plot.figure.savefig(
                p, format="pdf", metadata={"CreationDate": None, "ModDate": None, "Producer": None, "Creator": None}))
        if png is not None:
            _atomic(Path(png), lambda p: plot.figure.savefig(p, format="png", dpi=150, metadata={"Software": None}))
    if tsv is not None:
        notes = "".join(f"# {note}\n" for note in plot.notes)
        text = notes + (rows_to_tsv(plot.data) or "# nothing to draw\n")
        _atomic(Path(tsv), lambda p: p.write_text(text))


def as_float(value) -> float:
    """A table cell as a float (empty -> NaN)."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")
