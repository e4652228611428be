"""The Playground's first screen in Streamlit's AppTest: only what a learner needs to start is built; every
other setting waits in a section, keeps its value while that is closed, and still applies to the run; a link
says in one sentence which settings it changed."""

from __future__ import annotations

import re

from streamlit.testing.v1 import AppTest
from test_page_playground import PAGE, button, setting, the_run

from dashboard import keys

WIDGETS = ("button", "selectbox", "number_input", "slider", "select_slider", "toggle", "checkbox", "button_group",
           "radio", "text_input", "text_area", "multiselect", "segmented_control", "color_picker", "date_input")
FIRST_SCREEN = {
    "Dataset", "Regenerate",  # the data set, with its pictures (a chart) and new points from its generator
    "Input features", "Hidden layers", "Layer 1", "Layer 2", "Activation", "Learning rate",  # the network
    "Play", "Pause", "Step", "Reset", "New seed", "Speed",  # the row above the live view
    "More about this run",  # the details' own selector: a detail is built only once it is chosen
}


def open_page(query: dict | None = None) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    for name, value in (query or {}).items():
        at.query_params[name] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def widget_labels(at: AppTest) -> set[str]:
    labels = set()
    for kind in WIDGETS:
        try:
            labels |= {w.label for w in getattr(at, kind)}
        except AttributeError:  # an older AppTest without this accessor: the page has none of them then
            continue
    return labels


def test_the_default_playground_builds_only_the_first_screens_widgets():
    at = open_page()
    assert widget_labels(at) == FIRST_SCREEN
    sections = {e.label for e in at.expander}
    assert {"More data settings", "More network settings", "More training settings",
            "Draw your own data"} <= sections


def test_a_linked_setting_in_a_closed_section_applies_to_the_run():
    at = open_page({"optimizer": "adam", "batch_size": "16", "epochs": "5"})
    assert not {"Optimizer", "Batch size", "Epochs"} & widget_labels(at)  # their section is closed
    button(at, "Play").click().run()
    run = the_run(at)
    assert run.trainer.epoch == 5 and run.trainer.optimizer_name == "adam" and run.trainer.batch_size == 16


def test_a_setting_changed_then_closed_keeps_its_value_and_applies():
    at = open_page({"epochs": "5"})
    setting(at, "number_input", "n_samples").set_value(60).run()  # opens "More data settings" first
    at.session_state[keys.section("data")] = False  # as a click on its title closes it
    at.run()
    assert "Samples" not in widget_labels(at)
    button(at, "Play").click().run()
    run = the_run(at)
    assert run.data.n_train + run.data.n_test == 60 and run.trainer.epoch == 5
    assert dict(at.query_params)["n_samples"] == "60"
    assert setting(at, "number_input", "n_samples").value == 60  # opened again, it shows the kept value


def test_a_link_says_in_one_sentence_which_settings_it_changed():
    at = open_page({"optimizer": "adam", "l2": "0.01"})
    (sentence,) = [i.value for i in at.info if "link" in i.value]
    assert sentence == "This link set Optimizer to Adam and L2 to 0.01; every other setting is at its default."
    assert len(re.findall(r"[.!?](\s|$)", sentence)) == 1
    run = the_run(at)
    assert run.config.optimizer == "adam" and run.config.l2 == 0.01
    setting(at, "select_slider", "lr").set_value(0.1).run()  # the learner moves on: the sentence has been read
    assert not [i.value for i in at.info if "This link set" in i.value]


def test_the_default_link_says_nothing_about_settings():
    at = open_page()
    assert not [i.value for i in at.info if "This link set" in i.value]
