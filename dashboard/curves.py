"""Every curve chart outside the live view: values per epoch, as Altair charts (no ``st.`` calls).

One run's train/test loss or accuracy (Backprop, Tutorials, exports), several runs overlaid (Experiments),
one run with a marked epoch (Experiments' replay), and a few named curves with a reference line (the
Backprop scenarios, the Tutorials' plateau and unit spread). They share the long frame of finite values,
the train/test dashes and the hover rule whose tooltip lists every value at an epoch. Each chart holds
pandas DataFrames, so a test can read the plotted numbers back from ``chart.data``.
"""

from __future__ import annotations

import math

import altair as alt
import numpy as np
import pandas as pd

from .charts import CANVAS
from .palette import DEEP_NEGATIVE, DEEP_POSITIVE, GUIDE, GUIDE_TEXT, MARK, MUTED, RUN_COLOURS, SPLIT_COLOURS

LOG_FLOOR = 1e-12  # a log axis cannot show 0; losses below this are drawn at it
CURVE_HEIGHT = 240
DASHES = [[1, 0], [5, 3]]  # train solid, test dashed
LN2 = math.log(2.0)


def _hover_rule(chart: alt.Chart, name: str, tooltip: list) -> alt.Chart:
    """On ``chart`` (which encodes x = epoch), a wide, invisible rule per epoch that shows (faintly) under the pointer, with ``tooltip``."""
    hover = alt.selection_point(name=name, nearest=True, on="pointerover", fields=["epoch"], empty=False)
    return chart.mark_rule(color=GUIDE, strokeWidth=8).encode(
        opacity=alt.condition(hover, alt.value(0.25), alt.value(0)), tooltip=tooltip,
    ).add_params(hover)


def _split_dash(splits: list[str]) -> alt.StrokeDash:
    return alt.StrokeDash("split:N", title="data", scale=alt.Scale(domain=splits, range=DASHES[:len(splits)]))


# --------------------------------------------------------------- one run: train and test
def _curves_frame(history, columns: dict[str, str], floor: float | None = None) -> pd.DataFrame:
    """Wide frame: epoch + one column per split that has at least one finite value.

    ``columns`` maps a split name ("train"/"test") to a History column name.
    Non-finite values become NaN (a gap), never a point.
    """
    frame = pd.DataFrame({"epoch": np.asarray(history.epochs, dtype=np.int64)})
    for split, name in columns.items():
        values = np.asarray(history.columns[name], dtype=np.float64)
        values = np.where(np.isfinite(values), values, np.nan)
        if floor is not None:
            values = np.where(np.isnan(values), np.nan, np.maximum(values, floor))
        if len(values) and not np.isnan(values).all():
            frame[split] = values
    return frame


def _curve_chart(frame: pd.DataFrame, title: str, y_scale: alt.Scale, y_format: str) -> alt.LayerChart:
    """Train/test lines with a legend, and a hover rule whose tooltip shows every value at that epoch."""
    splits = [c for c in frame.columns if c != "epoch"] or ["train"]
    colour = alt.Color("split:N", title=None,
                       scale=alt.Scale(domain=splits, range=[SPLIT_COLOURS.get(s, MUTED) for s in splits]),
                       legend=alt.Legend(orient="top", direction="horizontal"))  # above the plot, never on a curve
    base = alt.Chart(frame).encode(x=alt.X("epoch:Q", title="epoch"))
    lines = base.transform_fold(splits, as_=["split", title]).mark_line(strokeWidth=2).encode(
        y=alt.Y(f"{title}:Q", title=title, scale=y_scale),
        color=colour,
        strokeDash=alt.StrokeDash("split:N", title=None,
                                  scale=alt.Scale(domain=splits, range=DASHES[:len(splits)])),
    )
    tooltip = [alt.Tooltip("epoch:Q", title="epoch")] + [
        alt.Tooltip(f"{s}:Q", title=f"{s} {title}", format=y_format) for s in splits if s in frame.columns]
    rule = _hover_rule(base, "hover", tooltip).properties(name="hover_rule")  # a fixed name: a stable spec
    return alt.layer(lines, rule).properties(height=CURVE_HEIGHT, description=f"{title} per epoch, train and test")


def loss_chart(history, log_scale: bool = False) -> alt.LayerChart:
    """Train and test loss per epoch; hover shows the exact values (6 significant digits).

    ``history`` is an nn_core.history.History. With ``log_scale`` the y axis is
    logarithmic, losses floored at LOG_FLOOR so a perfect fit stays drawable.
    """
    frame = _curves_frame(history, {"train": "loss", "test": "test_loss"}, LOG_FLOOR if log_scale else None)
    scale = alt.Scale(type="log") if log_scale else alt.Scale(zero=True)
    return _curve_chart(frame, "loss", scale, ".6g")


def accuracy_chart(history) -> alt.LayerChart:
    """Train and test accuracy per epoch (0 to 1, shown as %); empty for regression."""
    frame = _curves_frame(history, {"train": "accuracy", "test": "test_accuracy"})
    return _curve_chart(frame, "accuracy", alt.Scale(domain=[0, 1]), ".2%")


# --------------------------------------------------------------- runs side by side
CURVE_POINTS = 150  # at most this many points a curve on the overlaid loss chart (see loss_frame)


def loss_frame(results, show_test: bool = True, floor: float | None = None, most: int | None = None) -> pd.DataFrame:
    """Long form: run, epoch, split (train/test), loss; finite values only (floored for a log axis).

    ``most``: keep every k-th recorded epoch and each run's last, with the same k for every run (so their
    epochs line up for one hover), at most ``most`` a curve. A browser spends about 0.25 s on every 1,000
    points of a page's first chart; 150 points across a chart's width are 5 pixels apart."""
    parts = []
    longest = max((len(r.history) for r in results), default=0)
    step = max(1, math.ceil((longest - 1) / max(most - 1, 1))) if most and longest > most else 1
    for r in results:
        shown = np.arange(len(r.history)) % step == 0
        shown[-1:] = True
        for split, column in (("train", "loss"), ("test", "test_loss")):
            if split == "test" and not show_test:
                continue
            values = np.asarray(r.history.columns[column], dtype=np.float64)
            keep = np.isfinite(values) & shown
            if floor is not None:
                values = np.maximum(values, floor)
            parts.append(pd.DataFrame({"run": r.label, "epoch": np.asarray(r.history.epochs, dtype=np.int64)[keep],
                                       "split": split, "loss": values[keep]}))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["run", "epoch", "split", "loss"])


def loss_cap(results) -> float | None:
    """On a linear axis, the height above which losses are cut off: 3 × the largest starting loss, when some
    run (a diverging one) goes higher and would flatten every other curve; else None."""
    starts = [r.history.columns["loss"][0] for r in results if len(r.history)]
    peaks = [max(v for v in r.history.columns["loss"] if math.isfinite(v)) for r in results if len(r.history)]
    if not starts:
        return None
    cap = 3 * max(starts)
    return cap if max(peaks) > cap else None


def overlaid_loss_chart(results, log_scale: bool = False, show_test: bool = True) -> alt.LayerChart:
    """Every run's loss curve on one chart: colour = run (click the legend to highlight one),
    dashes = train/test, hover = exact values at the nearest epoch shown (at most CURVE_POINTS a curve). On
    a linear axis, curves above :func:`loss_cap` are cut off so a diverging run does not flatten the others."""
    labels = [r.label for r in results]
    frame = loss_frame(results, show_test, LOG_FLOOR if log_scale else None, most=CURVE_POINTS)
    cap = None if log_scale else loss_cap(results)
    scale = (alt.Scale(type="log") if log_scale else
             alt.Scale(zero=True) if cap is None else alt.Scale(domain=[0, cap], clamp=False))
    pick = alt.selection_point(name="pick_run", fields=["run"], bind="legend")
    base = alt.Chart(frame).encode(
        x=alt.X("epoch:Q", title="epoch"),
        y=alt.Y("loss:Q", title="loss" + (" (log scale)" if log_scale else ""), scale=scale),
        color=alt.Color("run:N", title="run", scale=alt.Scale(domain=labels, range=list(RUN_COLOURS[:len(labels)])),
                        legend=alt.Legend(orient="right", labelLimit=260)),
    )
    lines = base.mark_line(strokeWidth=2, clip=True).encode(
        strokeDash=_split_dash(["train", "test"] if show_test else ["train"]),
        opacity=alt.condition(pick, alt.value(1.0), alt.value(0.15)),
    ).add_params(pick)
    # Hover: one rule per epoch whose tooltip lists every run's losses there. A hover point per row
    # (1,800 for three runs) made the browser build a Voronoi cell for each: ~2.5 s of the page's first chart.
    wide, columns = hover_frame(frame)
    rule = _hover_rule(alt.Chart(wide).encode(x="epoch:Q"), "hover_epoch", [alt.Tooltip("epoch:Q")] + [
        alt.Tooltip(f"{c}:Q", title=title, format=".6g") for c, title in columns.items()])
    return alt.layer(lines, rule).properties(height=300, usermeta=CANVAS)


def hover_frame(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """Long loss frame → (one row per epoch with a column per run and split, {column: "run · split"}).

    Columns are named c0, c1, …: a run label such as "lr 0.1" would read as a nested field in Vega."""
    keys = list(dict.fromkeys(zip(frame["run"], frame["split"])))
    columns = {f"c{i}": f"{run} · {split}" for i, (run, split) in enumerate(keys)}
    wide = frame.pivot_table(index="epoch", columns=["run", "split"], values="loss", aggfunc="first")
    out = pd.DataFrame({"epoch": wide.index.to_numpy()})
    for name, key in zip(columns, keys):
        out[name] = wide[key].to_numpy() if key in wide.columns else np.nan
    return out, columns


def marked_loss_chart(result, epoch: int) -> alt.LayerChart:
    """One run's train/test loss with a vertical rule at ``epoch`` (the replayed frame)."""
    frame = loss_frame([result]).drop(columns="run")
    lines = alt.Chart(frame).mark_line(strokeWidth=2).encode(
        x=alt.X("epoch:Q", title="epoch"), y=alt.Y("loss:Q", title="loss"), strokeDash=_split_dash(["train", "test"]),
        tooltip=[alt.Tooltip("split:N", title="data"), "epoch:Q", alt.Tooltip("loss:Q", format=".6g")])
    rule = alt.Chart(pd.DataFrame({"epoch": [int(epoch)]})).mark_rule(color=MARK, strokeWidth=2).encode(
        x="epoch:Q", tooltip=[alt.Tooltip("epoch:Q", title="replayed epoch")])
    return alt.layer(lines, rule).properties(height=160, usermeta=CANVAS)


# --------------------------------------------------------------- named curves with a reference
def curves_frame(curves: dict, floor: float | None = None) -> pd.DataFrame:
    """Long frame of loss curves: {label: (epochs, losses)} → rows of run, epoch, loss (finite values only;
    with ``floor``, values are raised to it so a log axis can draw them)."""
    rows = [{"run": label, "epoch": int(e), "loss": float(v) if floor is None else max(float(v), floor)}
            for label, (epochs, losses) in curves.items() for e, v in zip(epochs, losses) if math.isfinite(v)]
    return pd.DataFrame(rows, columns=["run", "epoch", "loss"])


def _named_colours(labels: list[str], colours) -> alt.Color:
    return alt.Color("run:N", sort=labels, title=None, legend=alt.Legend(orient="top"),
                     scale=alt.Scale(domain=labels, range=list(colours)[:len(labels)]))


def curves_chart(curves: dict, marks: dict | None = None, reference: float | None = LN2,
                 log_scale: bool = False, colours=(DEEP_POSITIVE, DEEP_NEGATIVE, MUTED),
                 floor: float = LOG_FLOOR) -> alt.LayerChart:
    """Loss curves of a few runs, with a reference line (by default ln 2, a coin toss) and per-run marks.

    ``curves``: {label: (epochs, losses)}; ``marks``: {label: an epoch to mark with a dotted rule, e.g. where
    the plateau ends}; on a log axis, losses below ``floor`` are drawn at it.
    """
    frame = curves_frame(curves, floor if log_scale else None)
    colour = _named_colours(list(curves), colours)
    scale = alt.Scale(type="log") if log_scale else alt.Scale(zero=True)
    lines = alt.Chart(frame).mark_line(strokeWidth=2).encode(
        x=alt.X("epoch:Q"), y=alt.Y("loss:Q", scale=scale, title="loss" + (" (log)" if log_scale else "")),
        color=colour, tooltip=["run:N", "epoch:Q", alt.Tooltip("loss:Q", format=".6g")])
    layers = [lines]
    if reference is not None:
        ref = alt.Chart(pd.DataFrame({"loss": [reference], "text": [f"ln 2 ≈ {LN2:.4f}: a coin toss"
                                                                    if reference == LN2 else f"{reference:g}"]}))
        layers += [ref.mark_rule(strokeDash=[4, 4], color=GUIDE).encode(y="loss:Q"),
                   ref.mark_text(align="left", dx=4, dy=-7, color=GUIDE_TEXT).encode(
                       y="loss:Q", x=alt.value(0), text="text:N")]
    marked = [{"run": k, "epoch": v} for k, v in (marks or {}).items() if v is not None]
    if marked:
        layers.append(alt.Chart(pd.DataFrame(marked)).mark_rule(strokeWidth=1.5, strokeDash=[2, 2]).encode(
            x="epoch:Q", color=colour, tooltip=[alt.Tooltip("run:N"), alt.Tooltip("epoch:Q", title="marked epoch")]))
    return alt.layer(*layers).properties(height=260)


def symmetry_frame(curves: dict) -> pd.DataFrame:
    """{label: [(epoch, spread), ...]} → rows of run, epoch, spread."""
    rows = [{"run": label, "epoch": int(e), "spread": float(v)} for label, points in curves.items() for e, v in points]
    return pd.DataFrame(rows, columns=["run", "epoch", "spread"])


def symmetry_chart(curves: dict) -> alt.Chart:
    """How different the hidden units are, epoch by epoch, per run: {label: [(epoch, spread)]} → lines."""
    frame = symmetry_frame(curves)
    return alt.Chart(frame).mark_line(point=True).encode(
        x=alt.X("epoch:Q"),
        y=alt.Y("spread:Q", title="unit spread", scale=alt.Scale(zero=True)),
        color=_named_colours(list(curves), (DEEP_POSITIVE, DEEP_NEGATIVE, MUTED)),
        tooltip=["run:N", "epoch:Q", alt.Tooltip("spread:Q", format=".4f")],
    ).properties(height=260)
