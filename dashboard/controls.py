"""One control for one setting of the config table, for every page that shows settings.

The label, range, step, help and option names all come from the setting's row in
``nn_core.config``, so a page cannot offer a seed, learning rate or choice the
engine would refuse. ``draw`` picks the control by the row's widget kind, or by
the ``widget`` a page asks for (e.g. "number" for a compact number box).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import streamlit as st

from nn_core.config import Param


def log_values(low: float, high: float) -> list[float]:
    """1-3-10 steps from ``low`` to ``high``, e.g. 1e-4, 3e-4, 1e-3, …, 3, 10."""
    values = {low, high}
    for exponent in range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1):
        for mantissa in (1, 3):
            v = float(f"{mantissa}e{exponent}")
            if low <= v <= high:
                values.add(v)
    return sorted(values)


def zero_log_values(param: Param) -> list[float]:
    """0, then 1e-5 … high on a log grid: for penalties and decay, where 0 means off."""
    return [0.0] + log_values(1e-5, param.high)


def fmt_number(value) -> str:
    return f"{value:g}"


def widget_kind(param: Param) -> str:
    return param.widget or ("log" if param.log else param.kind)


def _with_current(key: str, options: list) -> list:
    """A value off the grid (from a link or a preset) stays selectable."""
    current = st.session_state.get(key)
    return sorted({*options, current}) if isinstance(current, float) else options


def _int(param: Param, box, label: str, common: dict):
    return int(box.number_input(label, min_value=int(param.low), max_value=int(param.high), step=1, **common))


def _number(param: Param, box, label: str, common: dict):
    if param.kind == "int":
        return _int(param, box, label, common)
    return float(box.number_input(label, min_value=float(param.low), max_value=float(param.high),
                                  step=param.step or 0.05, **common))


def _float(param: Param, box, label: str, common: dict):
    step = param.step or (param.high - param.low) / 100
    return float(box.slider(label, min_value=float(param.low), max_value=float(param.high), step=step, **common))


def _log(param: Param, box, label: str, common: dict):
    options = _with_current(common["key"], log_values(param.low, param.high))
    return float(box.select_slider(label, options=options, format_func=fmt_number, **common))


def _zero_log(param: Param, box, label: str, common: dict):
    options = _with_current(common["key"], zero_log_values(param))
    return float(box.select_slider(label, options=options, format_func=fmt_number, **common))


def _choice(param: Param, box, label: str, common: dict, options: list | None = None, labels=None):
    return box.selectbox(label, options=list(param.choices if options is None else options),
                         format_func=labels or param.labels, **common)


CONTROLS: dict[str, Callable] = {"int": _int, "number": _number, "float": _float, "log": _log,
                                 "zero_log": _zero_log, "choice": _choice}


def draw(param: Param, box, *, key: str, widget: str | None = None, label: str | None = None,
         help: str | None = None, options: list | None = None, labels: Callable | None = None, **common):
    """Draw ``param``'s control in ``box`` (st, st.sidebar, a column) under ``key``; returns its value.

    ``common`` passes on to Streamlit (disabled, on_change, value). ``options`` narrows a choice and
    ``labels`` renames its options, for a page where a name means something else.
    """
    control = CONTROLS[widget or widget_kind(param)]
    common = {"key": key, "help": (param.help if help is None else help) or None, **common}
    extra = {k: v for k, v in (("options", options), ("labels", labels)) if v is not None}
    return control(param, box, param.label if label is None else label, common, **extra)
