"""The Playground's sidebar, generated from the config table (nn_core.config.PARAMS).

Each setting's row names its control (dashboard.controls draws the plain ones), its
group and when it applies; this module adds only the controls that span several
widgets (hidden widths, per-layer activations and dropout rates), and decides what
the first screen shows (FIRST_SCREEN). A widget's value lives under
``keys.widget(name)`` in st.session_state; pages never read widgets directly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from nn_core import ACTIVATIONS
from nn_core.config import PARAM_BY_NAME, PARAMS, Param, RunConfig, kind_of, reconcile
from nn_core.datasets import DATASETS, MAX_CSV_BYTES
from nn_core.network import MAX_HIDDEN_LAYERS

from .. import controls, keys
from ..page import KEEP, lazy_section
from . import data_picker

GROUPS = {"data": "Data", "network": "Network", "training": "Training"}
FIRST_SCREEN = frozenset({"dataset", "features", "hidden", "activation", "lr"})  # what a learner needs to start,
# as in TF Playground: every other setting waits in its group's section, whose widgets exist only while open
SECTIONS = {"data": "More data settings", "network": "More network settings", "training": "More training settings"}
GROUP_NOTES = {"data": "Changing these starts a new run.", "network": "Changing these starts a new run.",
               "training": "These apply to the running network, as it trains."}


def key(name: str) -> str:
    return keys.widget(name)


# ------------------------------------------------------------------ one record per widget kind
@dataclass(frozen=True)
class Widget:
    draw: Callable[[Param, object, bool, dict], object]  # (param, container, disabled, keep) -> value
    write: Callable[[Param, object], None]  # put a config value into session state


def _set(param: Param, value) -> None:
    st.session_state[key(param.name)] = value


def _draw_plain(param, box, disabled, keep):
    return controls.draw(param, box, key=key(param.name), disabled=disabled, on_change=on_change, **keep)


def _layer_key(i: int) -> str:
    return f"{key('hidden')}.{i}"


def _draw_widths(param, box, disabled, keep):
    n = int(box.number_input(param.label, min_value=0, max_value=MAX_HIDDEN_LAYERS, step=1,
                             key=key("hidden.n"), help=param.help or None, on_change=on_change, disabled=disabled,
                             **keep))
    widths = []
    columns = box.columns(4) if n else []
    for i in range(n):
        previous = widths[-1] if widths else param.default[0]
        st.session_state.setdefault(_layer_key(i), previous)  # a new layer starts as wide as the one before
        widths.append(int(columns[i % 4].number_input(
            f"Layer {i + 1}", min_value=int(param.low), max_value=int(param.high), step=1, key=_layer_key(i),
            on_change=on_change, disabled=disabled, **keep)))
    return tuple(widths)


def _write_widths(param, value):
    st.session_state[key("hidden.n")] = len(value)
    for i, width in enumerate(value):
        st.session_state[_layer_key(i)] = int(width)


def _activation_key(i: int) -> str:
    return f"{key('activation')}.{i}"


def _draw_activation(param, box, disabled, keep):
    """The main choice: one activation for every hidden layer (it resets the per-layer choices)."""
    return controls.draw(param, box, key=key(param.name), widget="choice", disabled=disabled,
                         on_change=_on_all_layers, **keep)


def _write_activation(param, value):
    names = list(value) if isinstance(value, tuple) else [value] * MAX_HIDDEN_LAYERS
    st.session_state[key("activation")] = names[0]
    for i in range(MAX_HIDDEN_LAYERS):
        st.session_state[_activation_key(i)] = names[min(i, len(names) - 1)]


def _on_all_layers() -> None:
    for i in range(MAX_HIDDEN_LAYERS):
        st.session_state[_activation_key(i)] = st.session_state[key("activation")]
    on_change()


def _on_one_layer() -> None:
    """Per-layer choices that all agree are the main choice too."""
    n = int(st.session_state.get(key("hidden.n"), 0))
    names = {st.session_state.get(_activation_key(i)) for i in range(n)}
    if len(names) == 1 and names <= set(ACTIVATIONS):
        st.session_state[key("activation")] = names.pop()
    on_change()


def _layer_activations(main: str, n: int, box, disabled: bool):
    """Advanced: one activation per hidden layer. Returns the config value: one name, or a tuple of n."""
    if n:
        box.caption("Activation of each hidden layer (the main choice sets them all).")
    names = []
    for i in range(n):
        if st.session_state.get(_activation_key(i)) not in ACTIVATIONS:
            st.session_state[_activation_key(i)] = main
        names.append(box.selectbox(f"Layer {i + 1} activation", options=list(ACTIVATIONS), key=_activation_key(i),
                                   format_func=PARAM_BY_NAME["activation"].labels, on_change=_on_one_layer,
                                   disabled=disabled, **KEEP))
    return names[0] if n and len(set(names)) == 1 else tuple(names) if n else main


def _activation_from(state: dict, n: int, main):
    names = [state.get(_activation_key(i)) for i in range(n)]
    if n and all(name in ACTIVATIONS for name in names) and len(set(names)) > 1:
        return tuple(names)
    return main


def _rates_key() -> str:
    return f"{key('dropout')}.layers"


def _draw_rates(param, box, disabled, keep):
    """One slider for every hidden layer; a per-layer list from a link is kept until the slider moves."""
    rate = controls.draw(param, box, key=key(param.name), widget="float", disabled=disabled, on_change=_on_rate,
                         **keep)
    rates = st.session_state.get(_rates_key())
    n = int(st.session_state.get(key("hidden.n"), 0))
    if rates is not None and len(rates) == n:
        box.caption("Dropout per layer: " + ", ".join(f"{p:g}" for p in rates) + ". The slider sets every layer.")
        return tuple(rates)
    return rate


def _write_rates(param, value):
    st.session_state[key(param.name)] = float(max(value) if isinstance(value, tuple) else value)
    if isinstance(value, tuple):
        st.session_state[_rates_key()] = tuple(float(p) for p in value)
    else:
        st.session_state.pop(_rates_key(), None)


def _on_rate() -> None:
    st.session_state.pop(_rates_key(), None)
    on_change()


def _names_key(param: Param) -> str:
    return f"{key(param.name)}.last"  # the last non-empty choice, restored if the last one is switched off


def _draw_names(param, box, disabled, keep):
    """Toggle buttons, one per choice; at least one stays on (:func:`_keep_one`)."""
    chosen = box.pills(param.label, options=list(param.choices), selection_mode="multi", format_func=param.labels,
                       key=key(param.name), help=param.help or None, disabled=disabled, on_change=_keep_one,
                       args=(param,), **keep)
    return _canonical(param, chosen)


def _canonical(param: Param, names) -> tuple:
    """The chosen names in the table's order; the last non-empty choice (or the default) for none."""
    names = tuple(c for c in param.choices if c in (names or ()))
    return names or tuple(st.session_state.get(_names_key(param), param.default))


def _write_names(param, value):
    st.session_state[key(param.name)] = list(value)
    st.session_state[_names_key(param)] = tuple(value)


def _keep_one(param: Param) -> None:
    chosen = _canonical(param, st.session_state.get(key(param.name)))
    if not st.session_state.get(key(param.name)):
        st.session_state[keys.NOTES] = [f"{param.label}: at least one stays on."]
    _write_names(param, chosen)
    on_change()


def toggle(name: str, choice: str) -> None:
    """Switch one choice of a set-of-choices setting on or off (a click on the network graph's input node):
    the very state its toggle buttons hold, and the same rule that at least one stays on."""
    param = PARAM_BY_NAME[name]
    chosen = list(_canonical(param, st.session_state.get(key(name))))
    st.session_state[key(name)] = [c for c in chosen if c != choice] if choice in chosen else chosen + [choice]
    _keep_one(param)


WIDGETS: dict[str, Widget] = {
    "widths": Widget(_draw_widths, _write_widths),
    "names": Widget(_draw_names, _write_names),
    "activations": Widget(_draw_activation, _write_activation),
    "rates": Widget(_draw_rates, _write_rates),
}
PLAIN = Widget(_draw_plain, _set)


def widget(param: Param) -> Widget:
    return WIDGETS.get(controls.widget_kind(param), PLAIN)


# ------------------------------------------------------------------ state <-> config
def initialised() -> bool:
    return key("dataset") in st.session_state


def write(config: RunConfig) -> None:
    """Put every value of ``config`` into its widget (before the widgets are drawn, or in a callback)."""
    for param in PARAMS:
        widget(param).write(param, getattr(config, param.name))


def from_state(base: RunConfig | None = None) -> RunConfig:
    """The config the widgets currently hold (missing ones from ``base``)."""
    base = base or RunConfig()
    state = st.session_state.to_dict()  # one snapshot: each lookup in st.session_state rebuilds its view
    values = {}
    for param in PARAMS:
        if param.kind == "widths":
            n = state.get(key("hidden.n"))
            if n is not None:
                values["hidden"] = tuple(int(state.get(_layer_key(i), 4)) for i in range(int(n)))
        elif param.kind == "names" and key(param.name) in state:
            values[param.name] = _canonical(param, state[key(param.name)])
        elif key(param.name) in state:
            values[param.name] = state[key(param.name)]
    if "activation" in values:
        values["activation"] = _activation_from(state, len(values.get("hidden", base.hidden)), values["activation"])
    rates = state.get(_rates_key())
    if rates is not None and len(rates) == len(values.get("hidden", base.hidden)):
        values["dropout"] = tuple(rates)
    return base.replace(**values)


def on_change() -> None:
    """Keep the output head fitting the data (e.g. softmax for 3 classes) before the rerun draws it."""
    st.session_state.pop(keys.URL_WARNINGS, None)  # the learner has moved on from the link
    st.session_state.pop(keys.LINK_CHANGES, None)
    config = from_state()
    if config.dataset == "csv":
        return  # the kind is known only once the file is read; runs.prepare adjusts and says so
    fixed, notes = reconcile(config, kind_of(config))
    if notes:
        st.session_state[key("output")] = fixed.output
        st.session_state[keys.NOTES] = notes


def draw(hidden: frozenset[str] = frozenset(), explain: bool = True) -> RunConfig:
    """Draw the first screen's controls in the sidebar, each group's other settings in a section of its
    own built only while open, and return the config they hold.

    A setting that is not drawn (in a closed section, or hidden by a lesson's link) keeps its value: from
    its widget's persisted state, the link, or the last config. A group with nothing to show has no
    heading. ``explain`` False drops the notes.
    """
    current = from_state(st.session_state.get(keys.CONFIG))
    if st.session_state.get(keys.LINK_CHANGES):
        st.sidebar.info(st.session_state[keys.LINK_CHANGES], icon=":material/link:")
    values = {param.name: getattr(current, param.name) for param in PARAMS}
    shown = [param for param in PARAMS if param.name not in hidden]
    for group, title in GROUPS.items():
        params = [param for param in shown if param.group == group]
        if not params:
            continue
        st.sidebar.subheader(title)
        if group in GROUP_NOTES and explain:
            st.sidebar.caption(GROUP_NOTES[group])
        for param in params:
            if param.name in FIRST_SCREEN:
                _draw_one(param, st.sidebar, current, values, explain, {})
        rest = [param for param in params if param.name not in FIRST_SCREEN]
        if rest:
            section = lazy_section(SECTIONS[group], keys.section(group), box=st.sidebar,
                                   icon=":material/tune:")
            if section.open:
                with section:
                    for param in rest:
                        _draw_one(param, section, current, values, explain, KEEP)
                    if group == "network" and "activation" not in hidden:
                        values["activation"] = _layer_activations(st.session_state[key("activation")],
                                                                  len(values["hidden"]), section,
                                                                  not PARAM_BY_NAME["activation"].applies_to(current))
    return RunConfig(**values)


def _draw_one(param: Param, box, current: RunConfig, values: dict, explain: bool, keep: dict) -> None:
    values[param.name] = widget(param).draw(param, box, not param.applies_to(current), keep)
    if param.name == "activation":
        values["activation"] = _activation_from(st.session_state.to_dict(), len(values["hidden"]),
                                                values["activation"])
    if param.name == "dataset":
        _dataset_extras(values["dataset"], box, current, explain)


def _dataset_extras(name: str, box, current: RunConfig, explain: bool) -> None:
    """Under the dataset choice: a picture of every set to click, what this one looks like (unless a
    link hides the text) and a Regenerate button, or the CSV uploader."""
    data_picker.draw_picker(box, name, on_change)
    if name in DATASETS:
        if explain:
            box.caption(DATASETS[name].description)
        box.button("Regenerate", key=keys.REGENERATE, on_click=_regenerate, icon=":material/refresh:",
                   disabled=not PARAM_BY_NAME["data_seed"].applies_to(current),
                   help="New random points from the same generator (a new data seed).")
    else:
        box.file_uploader("CSV file (x1, x2, label or target)", type=["csv"], key=keys.UPLOADER,
                          on_change=_keep_upload, max_upload_size=MAX_CSV_BYTES // 1_000_000)


def _regenerate() -> None:
    data_picker.regenerate()
    on_change()


def _keep_upload() -> None:
    upload = st.session_state.get(keys.UPLOADER)
    if upload is None:
        st.session_state.pop(keys.UPLOAD, None)
    else:
        st.session_state[keys.UPLOAD] = (upload.name, upload.getvalue())

