"""Pure Altair builders of the Experiments page: the runs' decision boundaries side by side, the summary table.

No ``st.`` calls here: :mod:`dashboard.experiments.panels` shows them. The loss curves are
:mod:`dashboard.curves`', the gradient-flow charts :mod:`dashboard.diagnostics`'. The decision-boundary small
multiples reuse :func:`dashboard.charts.boundary_image_chart`.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from nn_core.analysis import compare

from .. import charts

BOUNDARY_SIDE = 180  # side of one boundary small multiple


# ---------------------------------------------------------- decision boundaries
def boundary_multiples(panels) -> alt.ConcatChart:
    """Small multiples of :func:`dashboard.charts.boundary_image_chart` (each background one PNG), three per row; only the last panel keeps
    its legends (they are the same for every panel), so a row fits the page.

    ``panels`` : [(title, grids, data)], grids from nn_core.grids.network_grids.
    """
    charts_ = [_as_subchart(charts.boundary_image_chart(grids, data).properties(
        width=BOUNDARY_SIDE, height=BOUNDARY_SIDE, title=title), legends=i == len(panels) - 1)
        for i, (title, grids, data) in enumerate(panels)]
    return alt.concat(*charts_, columns=charts.FACET_COLUMNS, usermeta=charts.CANVAS)


LEGEND_CHANNELS = ("color", "fill", "stroke", "shape", "opacity", "fillOpacity", "strokeDash", "size")


def _as_subchart(chart, legends: bool = True):
    """A top-level chart made fit for a concat (Vega-Lite allows ``autosize`` and ``usermeta`` only on the
    outermost chart), optionally without its legends."""
    chart.autosize = alt.Undefined
    chart.usermeta = alt.Undefined
    if not legends:
        for layer in getattr(chart, "layer", None) or [chart]:
            for name in LEGEND_CHANNELS:
                channel = getattr(layer.encoding, name, alt.Undefined)
                if hasattr(channel, "legend"):
                    channel.legend = None
    return chart


# ------------------------------------------------------------------- summary table
def summary_frame(results, target_loss: float | None = None) -> pd.DataFrame:
    """The comparison table, one row per run; "epochs to target" reads "never" when the loss never got there."""
    rows = [r.summary(target_loss) for r in results]
    for row in rows:
        row["epochs to target"] = "never" if row["epochs to target"] is None else str(row["epochs to target"])
    frame = pd.DataFrame(rows)
    frame.insert(1, "same start as run 1", [compare.same_start(results[0], r) for r in results])
    return frame
