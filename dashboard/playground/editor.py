"""Edit a weight or bias of the running network: training continues from the edited network.

The control is the Backprop page's (dashboard.weight_editor). The edit is applied to the trainer's own
network under the run's lock, so it lands between two frames of a playing run, never inside one; the
loss curve marks it as it marks a changed setting.
"""

from __future__ import annotations

import streamlit as st

from nn_core import parameter_edits

from .. import keys, weight_editor
from . import runtime, state


def panel(run) -> None:
    """The details' "Edit a weight" tab."""
    st.markdown("**Edit a weight or bias** of the running network: pick it, type a value. Training continues "
                "from the edited network (Play, or Step), and the loss curve marks the edit. Rows are the units "
                "of the layer before (0 is the first); a layer's last row is its units' biases.")
    weight_editor.draw(run.net, prefix=keys.EDIT, version=(state.serial(), run.trainer.epoch),
                       apply=lambda layer, row, col, value: apply(run, layer, row, col, value),
                       row_label="Row (unit before, or bias)", col_label="Column (unit of the layer)")


def apply(run, layer: int, row, col: int, value: float) -> None:
    """Set the parameter in the trainer's network between frames, and say what changed."""
    state.said()
    name = weight_editor.name(layer, row, col)
    try:
        with runtime.session_lock():
            if row == weight_editor.BIAS:
                old, new = parameter_edits.set_bias(run.net, layer, col, value)
            else:
                old, new = parameter_edits.set_weight(run.net, layer, row, col, value)
            epoch = run.trainer.epoch
            run.history.mark(epoch, f"{name} {old:.3g} → {new:.3g}")
    except ValueError as error:
        st.session_state[keys.NOTICE] = f"{name}: {error}"
        return
    st.session_state[keys.NOTICE] = (f"You set {name} from {old:.4f} to {new:.4f} at epoch {epoch:,}: training "
                                     "continues from the edited network (marked on the loss curve).")
