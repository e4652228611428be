"""Hostile input at every entry point, tried systematically.

One table per entry point: the Playground's sidebar controls, its URL query parameters, its CSV upload, the
Experiments page's saved-run upload and sweep box, the other pages' URLs, and the CLI flags. Every row expects
one clear message containing the row's phrase (or none, for an extreme but valid value), no traceback, no
NumPy RuntimeWarning, and the app still working afterwards: the next action, with good input, succeeds.
"""

from __future__ import annotations

import io
import json
import pickle
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest
from test_page_playground import setting

from dashboard import keys
from dashboard.playground import state
from nn_core import runs
from nn_core.config import MAX_EPOCHS, RunConfig, parse, to_query
from nn_core.datasets import make, to_csv
from nn_core.files import export
from nn_core.programs import cli

ROOT = Path(__file__).resolve().parents[1]
PLAYGROUND = str(ROOT / "pages" / "1_Playground.py")
EXPERIMENTS = str(ROOT / "pages" / "4_Experiments.py")
OTHER_PAGES = ("app.py", "pages/2_Backprop.py", "pages/3_Tutorials.py", "pages/4_Experiments.py")
BOXES = ("error", "warning", "info")
LONG = "x" * 10_000


# ------------------------------------------------------------------ the machinery every table uses
@dataclass
class Page:
    """One AppTest session that keeps every RuntimeWarning (NumPy's) raised while the page runs."""

    at: AppTest
    runtime_warnings: list

    @classmethod
    def open(cls, path: str = PLAYGROUND, query: dict | None = None, session: dict | None = None,
             play: bool = True) -> Page:
        """Open a page; the Playground (which opens paused) then gets one press of Play, as a visitor would."""
        at = AppTest.from_file(path, default_timeout=120)
        for key, value in (query or {}).items():
            at.query_params[key] = value
        for key, value in (session or {}).items():
            at.session_state[key] = value
        page = cls(at, []).run()
        if play and path == PLAYGROUND and any(b.label == "Play" for b in at.button):
            page.click("Play")
        return page

    def run(self) -> Page:
        """Run (after staging widget values on ``self.at``), recording warnings instead of raising them."""
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            self.at.run()
        self.runtime_warnings += [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
        return self

    def click(self, label: str) -> Page:
        next(b for b in self.at.button if b.label == label).click()
        return self.run()

    def boxes(self, kind: str | None = None) -> list[str]:
        """The text of every st.error / st.warning / st.info on the page (one kind, or all)."""
        return [m.value for k in ([kind] if kind else BOXES) for m in getattr(self.at, k)]

    @property
    def run_state(self) -> runs.Run:
        return self.at.session_state[keys.RUN]


def assert_clean(page: Page) -> None:
    """No traceback on the page and no NumPy warning behind it."""
    assert not page.at.exception, [e.value for e in page.at.exception]
    assert not page.runtime_warnings, page.runtime_warnings


def assert_one_message(page: Page, kind: str, phrase: str) -> str:
    """Exactly one box of ``kind`` holds ``phrase``; it is short, and nothing else on the page is an error."""
    holding = [m for m in page.boxes(kind) if phrase in m]
    assert len(holding) == 1, (phrase, page.boxes())
    assert len(holding[0]) < 600 and "Traceback" not in holding[0], holding[0]
    if kind != "error":
        assert not [m for m in page.boxes("error") if "Diverged" not in m], page.boxes("error")
    return holding[0]


def assert_trains_again(page: Page) -> None:
    """The app still works: Step trains one more epoch (after Reset, if the run had diverged)."""
    if page.run_state.trainer.done:
        page.click("Reset")
    epoch = page.run_state.trainer.epoch
    page.click("Step")
    assert_clean(page)
    assert page.run_state.trainer.epoch == epoch + 1 and np.isfinite(page.run_state.history.last_loss)


CHEAP = {"epochs": "20"}  # every Playground table starts from a run this short


# ------------------------------------------------------------------ 1. sidebar controls
@dataclass(frozen=True)
class Move:
    """One control set to an extreme: the notice expected (None: the widget refuses the value) and a check."""

    id: str
    widget: str  # AppTest accessor: number_input, slider, select_slider
    name: str  # the setting's name in the config table ("hidden.0": the first layer's width)
    value: object
    phrase: str | None  # in the info box saying what changed
    check: object  # run -> bool


# A user pushing every control of one family to its limits in one session, one move after the other:
# a move of a data or network setting retrains, one of a training setting applies to the running network
# (the run stays at its epoch); either way each is also the "still usable" check of the move before it.
SIDEBAR = {
    "learning rate": [
        Move("1e-4 (the minimum)", "select_slider", "lr", 1e-4, "learning rate",
             lambda run: run.config.lr == 1e-4 and run.trainer.epoch == 20),
        Move("10 (the maximum)", "select_slider", "lr", 10.0, "learning rate",
             lambda run: run.config.lr == 10.0 and (run.trainer.epoch == 20 or run.trainer.done)),
    ],
    "epochs": [  # only where Play pauses by itself: the run stays as it is
        Move("1", "number_input", "epochs", 1, None,
             lambda run: run.config.epochs == 1 and run.trainer.epoch == 20),
        Move("100,001 (refused by the widget)", "number_input", "epochs", MAX_EPOCHS + 1, None,
             lambda run: run.config.epochs <= MAX_EPOCHS and run.trainer.epoch == 20),
    ],
    "network": [
        Move("width 1", "number_input", "hidden.0", 1, "hidden layers",
             lambda run: run.net.layer_sizes == [2, 1, 4, 1]),
        Move("width 256", "number_input", "hidden.0", 256, "hidden layers",
             lambda run: run.net.layer_sizes == [2, 256, 4, 1]),
        Move("width 0 (refused by the widget)", "number_input", "hidden.0", 0, None,
             lambda run: run.net.layer_sizes[1] in (1, 256)),
        Move("8 hidden layers", "number_input", "hidden.n", 8, "hidden layers",
             lambda run: len(run.net.layer_sizes) == 10),
        Move("9 hidden layers (refused by the widget)", "number_input", "hidden.n", 9, None,
             lambda run: len(run.net.layer_sizes) <= 10),
    ],
    "data and batch": [
        Move("samples 4", "number_input", "n_samples", 4, "samples",
             lambda run: run.data.n_train + run.data.n_test == 4),
        Move("batch size 5000, larger than the data", "number_input", "batch_size", 5000, "batch size",
             lambda run: run.trainer.batch_size == run.data.n_train == 3),
        Move("test ratio 0.9 on 4 samples", "slider", "test_ratio", 0.9, "test ratio",
             lambda run: run.data.n_train == 1 and run.data.n_test == 3),
        Move("noise 1", "slider", "noise", 1.0, "noise", lambda run: run.config.noise == 1.0),
        Move("samples 5000", "number_input", "n_samples", 5000, "samples",
             lambda run: run.data.n_train + run.data.n_test == 5000),
        Move("largest weight seed", "number_input", "seed", 2**31 - 1, "weight seed",
             lambda run: run.config.seed == 2**31 - 1),
    ],
}


@pytest.mark.parametrize("moves", [pytest.param(moves, id=f"{family}: " + ", then ".join(m.id for m in moves))
                                   for family, moves in SIDEBAR.items()])
def test_sidebar_controls_at_their_limits(moves):
    page = Page.open(query=CHEAP)
    for move in moves:
        setting(page.at, move.widget, move.name).set_value(move.value)
        page.run()
        assert_clean(page)
        if move.phrase:
            assert_one_message(page, "info", move.phrase)
        assert move.check(page.run_state), move.id
    assert_trains_again(page)


def test_eight_layers_of_256_units_train_and_draw():
    page = Page.open(query={"hidden": ",".join(["256"] * 8), "epochs": "1", "seed": "2147483647"})
    assert_clean(page)
    assert page.run_state.net.layer_sizes == [2, *[256] * 8, 1] and page.run_state.trainer.epoch == 1
    assert not page.boxes("error") and not page.boxes("warning")
    assert_trains_again(page)


def test_100000_epochs_from_the_url_are_the_limit_and_step_still_works():
    """The URL asks for 10⁹ epochs: clamped to 100,000 with one sentence. The run is pre-built untrained and
    paused (playing 100,000 epochs would take minutes), so Step and the Play button's promise are checked."""
    config, _ = parse({"epochs": "1e9", "dataset": "toy", "hidden": ""})
    assert config.epochs == MAX_EPOCHS
    token = tuple(getattr(config, name) for name in state.DATA_ARGS)
    session = {keys.RUN: runs.prepare(config), keys.RUN_KEY: (state.structure(config), token),
               keys.PLAYING: False}
    page = Page.open(query={"epochs": "1e9", "dataset": "toy", "hidden": ""}, session=session, play=False)
    assert_clean(page)
    assert_one_message(page, "warning", "Epochs: “1e9” is outside 1…100000. Using “100000” instead.")
    assert setting(page.at, "number_input", "epochs").value == MAX_EPOCHS
    play = next(b for b in page.at.button if b.label == "Play")
    assert "100,000" in play.help
    page.click("Step")
    assert page.run_state.trainer.epoch == 1
    assert not page.at.session_state[keys.PLAYING]
    page.click("Step")
    assert_clean(page)
    assert page.run_state.trainer.epoch == 2


# ------------------------------------------------------------------ 2. query parameters (the Playground's URL)
@dataclass(frozen=True)
class QueryCase:
    id: str
    query: dict
    phrase: str | None  # in the one warning sentence about it; None: accepted as it is
    changes: dict  # what the run's config holds instead of the defaults


QUERY = [
    QueryCase("unknown key", {"bogus": "1"}, "Unknown setting “bogus”. It was ignored.", {}),
    QueryCase("wrong type: text for a number", {"lr": "fast"}, "Learning rate: “fast” is not a number.", {}),
    QueryCase("wrong type: a word in the widths", {"hidden": "4,x"}, "is not a list of widths", {}),
    QueryCase("wrong type: fraction for an int", {"n_samples": "2.5"}, "Samples: “2.5” is not a whole number.", {}),
    QueryCase("hex number", {"noise": "0x10"}, "Noise: “0x10” is not a number.", {}),
    QueryCase("boolean word", {"seed": "true"}, "Weight seed: “true” is not a number.", {}),
    QueryCase("negative learning rate", {"lr": "-1"}, "“-1” is outside 0.0001…10. Using “0.0001” instead.",
              {"lr": 1e-4}),
    QueryCase("zero epochs", {"epochs": "0"}, "Epochs: “0” is outside 1…100000. Using “1” instead.", {"epochs": 1}),
    QueryCase("width 999", {"hidden": "999"}, "“999” is outside 1…256. Using “256” instead.", {"hidden": (256,)}),
    QueryCase("nine layers", {"hidden": "1,1,1,1,1,1,1,1,1"}, "at most 8 hidden layers", {}),
    QueryCase("seed beyond 2**31", {"seed": "99999999999999999999"}, "Using “2147483647” instead.",
              {"seed": 2**31 - 1}),
    QueryCase("nan", {"momentum": "nan"}, "Momentum: “nan” is not a finite number.", {}),
    QueryCase("inf", {"l2": "inf"}, "L2: “inf” is not a finite number.", {}),
    QueryCase("overflowing literal", {"init_scale": "1e400"}, "“1e400” is not a finite number", {}),
    QueryCase("10,000-character value", {"dataset": LONG}, "Dataset: the value is too long.", {}),
    QueryCase("10,000-character key", {LONG: "1"}, "Unknown setting “xxxxxxxxxx", {}),
    QueryCase("script tag", {"dataset": "<script>alert(1)</script>"}, "“<script>alert(1)</script>” is not one of",
              {}),
    QueryCase("SQL injection", {"activation": "'; DROP TABLE runs;--"}, "“'; DROP TABLE runs;--” is not one of",
              {}),
    QueryCase("literal %00", {"optimizer": "%00"}, "Optimizer: “%00” is not one of", {}),
    QueryCase("NUL byte", {"bias_init": "0.1\x00"}, "Hidden bias init: “0.1�” is not a number.", {}),
    QueryCase("newline in a value", {"hidden": "4\n4"}, "Hidden layers: “4�4” is not a list of widths", {}),
    QueryCase("fullwidth letters", {"dataset": "ＸＯＲ"}, "Dataset: “ＸＯＲ” is not one of", {}),
    QueryCase("emoji", {"init": "🚀"}, "Init: “🚀” is not one of", {}),
    QueryCase("right-to-left override", {"reduction": "\u202emean"}, "Gradient reduction: “�mean” is not one of",
              {}),
    QueryCase("repeated key: the last one counts", {"lr": ["0.1", "0.03"]}, None, {"lr": 0.03}),
    QueryCase("Unicode digits are numbers", {"hidden": "４,٣"}, None, {"hidden": (4, 3)}),
    QueryCase("padded number", {"epochs": " 7 "}, None, {"epochs": 7}),
    QueryCase("per-layer activations of the wrong length", {"activation": "relu,tanh,sine", "hidden": "4,4"},
              "Activation: 3 values for 2 hidden layers; give one value for every layer, or one per layer. "
              "Using “relu” for every layer.", {"activation": "relu"}),
    QueryCase("an unknown name in the per-layer list", {"activation": "relu,<b>"}, "Activation: “<b>” is not one of",
              {}),
    QueryCase("one activation per layer", {"activation": "relu,gelu", "hidden": "3,3"}, None,
              {"activation": ("relu", "gelu"), "hidden": (3, 3)}),
    QueryCase("dropout of 1", {"dropout": "1"}, "Dropout: “1” is outside 0…0.9. Using “0.9” instead.",
              {"dropout": 0.9}),
    QueryCase("dropout rates of the wrong length", {"dropout": "0.5,0.5,0.5", "hidden": "4,4"},
              "Dropout: 3 values for 2 hidden layers", {"dropout": 0.5}),
    QueryCase("dropout nan in a list", {"dropout": "0.1,nan"}, "Dropout: “nan” is not a finite number.", {}),
    QueryCase("an output that cannot fit the data", {"dataset": "plane"},
              "A regression problem needs a linear output", {"dataset": "plane", "output": "linear"}),
]


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in QUERY])
def test_hostile_query_parameter_gives_one_sentence(case):
    """The URL's parser (what the Playground calls on the first visit), one hostile value at a time."""
    config, sentences = parse({k: v[-1] if isinstance(v, list) else v for k, v in case.query.items()})
    assert config == RunConfig().replace(**case.changes)
    if case.phrase is None:
        assert sentences == []
    else:
        assert len(sentences) == 1 and case.phrase in sentences[0]
        assert "\n" not in sentences[0] and len(sentences[0]) < 300


def _batches(cases: list[QueryCase]) -> list[list[QueryCase]]:
    """The cases grouped so that no two in a group share a key: one page load tries a whole group."""
    groups: list[list[QueryCase]] = []
    for case in cases:
        group = next((g for g in groups if not set(case.query) & {k for c in g for k in c.query}), None)
        if group is None:
            groups.append(group := [])
        group.append(case)
    return groups


@pytest.mark.parametrize("group", [pytest.param(g, id=" + ".join(c.id for c in g)) for g in _batches(QUERY)])
def test_the_playground_answers_hostile_links_with_one_warning(group):
    query = {k: v for case in group for k, v in case.query.items()}
    query.setdefault("epochs", "20")
    page = Page.open(query=query, play=False)  # the warning is said until the visitor acts
    assert_clean(page)
    (warning,) = page.boxes("warning") or [""]
    for case in group:
        assert (case.phrase or "") in warning, case.id
    changes = {"epochs": 20} | {k: v for case in group for k, v in case.changes.items()}
    expected = RunConfig().replace(**changes)
    assert page.run_state.config == expected
    url = {k: v[-1] if isinstance(v, list) else v for k, v in page.at.query_params.items()}
    assert url == to_query(expected)  # the hostile text is gone from the URL
    assert_trains_again(page)
    assert not page.boxes("warning")  # said once, not on every rerun


LINK = [  # the link's lesson= and hide=, which are not settings: (id, query, phrase, settings still shown)
    ("unknown lesson", {"lesson": "nope"}, "There is no lesson “nope”", None),
    ("script tag as a lesson", {"lesson": "<script>alert(1)</script>"}, "There is no lesson “<script>", None),
    ("10,000-character lesson", {"lesson": LONG}, "There is no lesson “xxxx", None),
    ("NUL byte in a lesson", {"lesson": "circle\x00"}, "There is no lesson “circle�”", None),
    ("unknown name in hide", {"hide": "lr,bogus"}, "Hide: “bogus” is not a setting; it was ignored.", {"lr"}),
    ("only junk in hide", {"hide": ",,;DROP TABLE;,<b>"}, "“;drop table;”, “<b>” are not settings", set()),
    ("10,000-character hide", {"hide": LONG}, "Hide: the value is too long; every control is shown.", set()),
    ("hide and a bad lesson together", {"hide": "\u202elr", "lesson": "🚀"}, "There is no lesson “🚀”", set()),
]


@pytest.mark.parametrize("case", [pytest.param(c, id=c[0]) for c in LINK])
def test_a_tampered_lesson_or_hide_is_one_sentence_and_the_page_works(case):
    _, query, phrase, hidden = case
    page = Page.open(query={**query, **CHEAP}, play=False)
    assert_clean(page)
    assert_one_message(page, "warning", phrase)
    shown = {w.key for w in page.at.sidebar if getattr(w, "key", None)}
    for name in hidden or ():
        assert keys.widget(name) not in shown
    assert keys.widget("dataset") in shown and keys.widget("features") in shown  # no lesson took over
    assert page.run_state.config == RunConfig(epochs=20)
    assert "lesson" not in dict(page.at.query_params)
    assert_trains_again(page)
    assert not page.boxes("warning")


@pytest.mark.parametrize("path", OTHER_PAGES)
def test_pages_that_do_not_read_the_url_ignore_hostile_parameters(path):
    query = {"lr": "<script>alert(1)</script>", "epochs": "1e9", "hidden": LONG, LONG: "'; DROP TABLE x;--",
             "dataset": ["\x00", "ＸＯＲ"]}
    page = Page.open(str(ROOT / path), query=query)
    assert_clean(page)
    assert not page.boxes("error") and not [m for m in page.boxes("warning") if "<script>" in m or "xxxx" in m]


# ------------------------------------------------------------------ 3. the Playground's CSV upload
def _rows(n: int, row) -> bytes:
    return ("x1,x2,label\n" + "".join(row(i) for i in range(n))).encode()


GOOD_CSV = to_csv(make("moons", n=40, noise=0.1, seed=1))
CSV = [
    ("binary garbage", bytes(range(256)) * 40, "The file is not UTF-8 text"),
    ("a PNG named .csv", b"\x89PNG\r\n\x1a\n" + bytes(200), "The file is not UTF-8 text"),
    ("UTF-16 text", "x1,x2,label\n0,0,0\n1,1,1\n0,1,0\n1,0,1\n".encode("utf-16"), "The file is not UTF-8 text"),
    ("empty file", b"", "The file is empty."),
    ("header only", b"x1,x2,label\n", "a header row but no data rows"),
    ("three rows", b"x1,x2,label\n0,0,0\n1,1,1\n0,1,0\n", "only 3 data rows; at least 4"),
    ("over 5 MB", b"x1,x2,label\n" + b"0.5,0.5,1\n" * 510_000, "larger than the 5 MB limit"),
    ("over 20 MB", b"x1,x2,label\n" + b"0.5,0.5,1\n" * 2_100_000, "larger than the 5 MB limit"),
    ("more than 50,000 rows", b"x1,x2,label\n" + b"0,0,1\n" * 50_001, "more than 50,000 data rows"),
    ("NaN", b"x1,x2,label\nnan,0,0\n1,1,1\n0,0,0\n1,1,1\n", "Column 'x1' has the non-finite value 'nan' on line 2"),
    ("inf", b"x1,x2,target\n0,0,1\n1,1,inf\n0,0,0\n1,1,1\n", "Column 'target' has the non-finite value 'inf'"),
    ("single class", b"x1,x2,label\n0,0,1\n1,1,1\n0,1,1\n1,0,1\n", "only one class (1)"),
    ("string labels", b"x1,x2,label\n0,0,cat\n1,1,dog\n0,1,cat\n1,0,dog\n", "non-numeric value 'cat' on line 2"),
    ("fractional labels", b"x1,x2,label\n0,0,0.5\n1,1,1\n0,1,0\n1,0,1\n", "whole-number classes"),
    ("nine classes", _rows(27, lambda i: f"{i % 5},{i // 5},{i % 9}\n"), "9 distinct classes; at most 8"),
    ("missing columns", b"a,b,c\n1,2,3\n", "missing column x1 and x2 and label (or target)"),
    ("semicolons", b"x1;x2;label\n0;0;0\n1;1;1\n0;1;0\n1;0;1\n", "missing column x1 and x2"),
    ("ragged rows", b"x1,x2,label\n0,0,0\n1,1\n0,1,0\n1,0,1\n", "Column 'label' has an empty value on line 3"),
    ("field over the CSV limit", b"x1,x2,label\n" + b"1" * 200_000 + b",0,0\n", "not valid CSV near line 2"),
    ("NUL bytes", b"x1,x2,label\n0,0,0\x00\n", "The file is not UTF-8 text"),
    ("spreadsheet formula", b"x1,x2,label\n=cmd|' /C calc'!A0,0,0\n1,1,1\n0,1,0\n1,0,1\n", "non-numeric value"),
    ("script tag header", b"<script>alert(1)</script>,x2,label\n0,0,0\n", "its header row is: <script>alert(1)</s"),
    ("split marks every row test", b"x1,x2,label,split\n0,0,0,test\n1,1,1,test\n0,1,0,test\n1,0,1,test\n",
     "every row as 'test'"),
    ("split with a third value", b"x1,x2,label,split\n0,0,0,train\n1,1,1,dev\n0,1,0,test\n1,0,1,train\n",
     "must be 'train' or 'test', but line 3 has 'dev'"),
]


@pytest.fixture(scope="module")
def csv_page() -> Page:
    """One session for the whole CSV table, as a user trying one file after another."""
    page = Page.open(query={"dataset": "csv", "epochs": "20"})
    assert not page.boxes("error")
    return page


def _upload(page: Page, name: str, content: bytes, mime: str = "text/csv") -> Page:
    """Upload a file; a good one gets a new, paused run, which a visitor then plays (to its epoch budget)."""
    page.at.file_uploader(key="playground.csv_upload").set_value((name, content, mime))
    page.run()
    run = page.at.session_state[keys.RUN] if keys.RUN in page.at.session_state else None
    if not page.at.exception and run is not None and run.trainer.epoch < run.config.epochs:
        page.click("Play")
    return page


@pytest.mark.parametrize("content, phrase", [pytest.param(*row[1:], id=row[0]) for row in CSV])
def test_hostile_csv_upload(csv_page, content, phrase):
    page = _upload(csv_page, "points.csv", content)
    assert_clean(page)
    text = assert_one_message(page, "error", phrase)
    assert text.startswith("points.csv: ")
    drawn = [c for c in page.at.get("vega_lite_chart") if not str(c.key).startswith((keys.DATA_PICKER, keys.DRAW_CHART))]
    assert not drawn  # nothing is drawn from a bad file (the data-set pictures and the drawing plane are not its)
    _upload(page, "moons.csv", GOOD_CSV)  # still usable: the next, good file trains
    assert_clean(page)
    assert not page.boxes("error") and page.run_state.trainer.epoch >= 20
    assert page.run_state.data.n_train + page.run_state.data.n_test == 40


FAR = b"x1,x2,target\n1.7e308,0,1e300\n-1.7e308,1,-1e300\n0,0,0\n1,1,1\n"


def test_csv_values_too_large_to_train_on_are_refused_with_one_sentence(csv_page):
    """1.7e308 is finite but would overflow the first step: refused, with a hint, and the page keeps working."""
    page = _upload(csv_page, "far.csv", FAR)
    assert_one_message(page, "error", "far.csv: Column 'x1'")
    assert "rescale" in page.boxes("error")[0]
    _upload(page, "moons.csv", GOOD_CSV)
    assert_clean(page)
    assert not page.boxes("error") and page.run_state.trainer.epoch >= 20


def test_a_file_of_another_type_never_reaches_the_app():
    """The browser offers only .csv; a tampered client's .exe is refused by Streamlit itself, before the page
    runs (so no page code can catch it), and the next rerun is clean with the file gone."""
    page = _upload(Page.open(query={"dataset": "csv", "epochs": "20"}), "evil.exe", b"MZ", "application/x-dosexec")
    # Streamlit raises before the page runs; config.toml's showErrorDetails = "type" redacts the details.
    assert len(page.at.exception) == 1 and "redacted" in page.at.exception[0].message
    assert "playground.csv" not in page.at.session_state
    page.run()
    assert_clean(page)
    _upload(page, "moons.csv", GOOD_CSV)
    assert_clean(page)
    assert page.run_state.trainer.epoch == 20


# ------------------------------------------------------------------ 4. the saved-run (weights) upload
@pytest.fixture(scope="module")
def saved() -> dict:
    """A small trained run, saved both ways; every hostile file is a variation of these."""
    run = runs.run(RunConfig(epochs=20))
    return {"run": run, "json": json.loads(export.to_json_bytes(run.net, run.config, run.history)),
            "npz": export.to_npz_bytes(run.net, run.config, run.history)}


def _json(base: dict, path: str, value) -> bytes:
    """``base`` with the entry at dotted ``path`` replaced."""
    data = json.loads(json.dumps(base))
    *parents, last = path.split(".")
    node = data
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    node[int(last) if isinstance(node, list) else last] = value
    return json.dumps(data).encode()


def _npz(**arrays) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def _zip(files: dict) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in files.items():
            z.writestr(name, content)
    return buf.getvalue()


class Evil:
    """Unpickling this would run code: the loader must never get that far."""

    def __reduce__(self):
        return (print, ("pickle payload executed",))


WEIGHTS = [
    ("binary garbage", lambda s: bytes(range(256)) * 40, "weights.json", "neither a saved .json network nor"),
    ("empty", lambda s: b"", "weights.json", "The file is empty."),
    ("over 20 MB", lambda s: b" " * 20_000_001, "weights.json", "larger than the 20 MB limit"),
    ("a pickle named .npz", lambda s: pickle.dumps(Evil()), "weights.npz", "neither a saved .json network nor"),
    ("npz with an object array", lambda s: _npz(meta=np.array([Evil()], dtype=object)), "weights.npz",
     "holds Python objects (pickles), which are never loaded"),
    ("zip with a script inside", lambda s: _zip({"evil.py": "import os"}), "weights.npz", "unexpected file “evil.py”"),
    ("zip whose arrays are pickles", lambda s: _zip({"W1.npy": pickle.dumps(Evil()), "meta.npy": b"{}"}),
     "weights.npz", "holds an entry that is not a NumPy array"),
    ("zip bomb", lambda s: _zip({"W1.npy": b"\0" * 25_000_000}), "weights.npz", "unpacks to more than 20 MB"),
    ("truncated npz", lambda s: s["npz"][:200], "weights.npz", "damaged or truncated"),
    ("JSON NaN", lambda s: json.dumps(s["json"]).replace("0.", "NaN", 1).encode(), "weights.json",
     "The JSON holds NaN"),
    ("JSON 1e999", lambda s: _json(s["json"], "config.lr", 0.5).replace(b"0.5", b"1e999"), "weights.json",
     "too large to be finite"),
    ("JSON int with 400 digits", lambda s: _json(s["json"], "config.epochs", 10**400), "weights.json",
     "Epochs: “1000000"),
    ("JSON nested 100,000 deep", lambda s: b"[" * 100_000 + b"]" * 100_000, "weights.json", "not valid JSON"),
    ("not JSON at all", lambda s: b"<html><script>alert(1)</script></html>", "weights.json", "not valid JSON"),
    ("another format", lambda s: _json(s["json"], "format", "keras"), "weights.json", "not a saved nnplay network"),
    ("a key with a newline", lambda s: _json(s["json"], "network.\n<b>", 1), "weights.json", "unknown entry “�<b>”"),
    ("future version", lambda s: _json(s["json"], "version", 2), "weights.json", "version 2 is not supported"),
    ("unknown activation", lambda s: _json(s["json"], "network.activation", "<script>"), "weights.json",
     "Unknown activation '<script>'"),
    ("weights of the wrong shape", lambda s: _json(s["json"], "weights.0", [[1.0, 2.0]]), "weights.json",
     "W1 has shape (1, 2) but the layer sizes need (2, 4)"),
    ("layer sizes unlike the config", lambda s: _json(s["json"], "config.hidden", [3]), "weights.json",
     "hidden layers do not match"),
    ("a string for the learning rate", lambda s: _json(s["json"], "config.lr", "0.3; import os"), "weights.json",
     "must be a number, not text"),
    ("seed out of range", lambda s: _json(s["json"], "config.seed", -1), "weights.json",
     "Weight seed: “-1” is outside 0 to 2147483647"),
    ("a CSV run without its data", lambda s: _json(s["json"], "config.dataset", "csv"), "weights.json",
     "add its dataset CSV as well"),
]


@pytest.fixture(scope="module")
def experiments() -> Page:
    page = Page.open(EXPERIMENTS)
    assert_clean(page)
    return page


@pytest.mark.parametrize("make, name, phrase", [pytest.param(*row[1:], id=row[0]) for row in WEIGHTS])
def test_hostile_saved_run_upload(experiments, saved, make, name, phrase, capsys):
    page = experiments
    page.at.file_uploader(key="exp.restore.weights").set_value((name, make(saved), "application/octet-stream"))
    page.run()
    assert_clean(page)
    text = assert_one_message(page, "error", phrase)
    assert text.startswith(f"Could not restore “{name}”: ")
    assert "pickle payload executed" not in capsys.readouterr().out
    good = export.to_json_bytes(saved["run"].net, saved["run"].config, saved["run"].history)
    page.at.file_uploader(key="exp.restore.weights").set_value(("good.json", good, "application/json"))
    page.run()  # still usable: a good file restores and reproduces
    assert_clean(page)
    assert any("the run reproduces" in m.value for m in page.at.success)


def test_a_csv_run_with_a_bad_dataset_file_says_which_file(experiments, saved):
    page = experiments
    data = make("moons", n=40, noise=0.1, seed=1)
    run = runs.run(RunConfig(dataset="csv", epochs=5), data)
    weights = export.to_json_bytes(run.net, run.config, run.history)
    page.at.file_uploader(key="exp.restore.weights").set_value(("csv-run.json", weights, "application/json"))
    page.run()
    page.at.file_uploader(key="exp.restore.dataset").set_value(("data.csv", b"\x00\x01garbage", "text/csv"))
    page.run()
    assert_clean(page)
    assert_one_message(page, "error", "The dataset CSV: The file is not UTF-8 text")
    page.at.file_uploader(key="exp.restore.dataset").set_value(("data.csv", to_csv(data), "text/csv"))
    page.run()
    assert_clean(page)
    assert any("the run reproduces" in m.value for m in page.at.success)


# ------------------------------------------------------------------ 5. the Experiments sweep box
SWEEP = [
    ("script tag", "lr", "<script>alert(1)</script>", "Learning rate: “<script>alert(1)</script>” is not a number."),
    ("not finite", "lr", "1e400, nan", "Learning rate: “1e400” is not a finite number."),
    ("10,000 characters", "lr", LONG, "Learning rate: the value is too long."),
    ("one value", "lr", "0.1", "Give 2 to 6 different values for Learning rate"),
    ("one value repeated", "activation", "relu, relu, relu", "got 1"),
    ("a hundred values", "lr", ", ".join(f"{i / 100}" for i in range(1, 101)), "Give 2 to 6 different values"),
    ("nine layers", "hidden", "4; 1,2,3,4,5,6,7,8,9", "at most 8 hidden layers"),
    ("SQL injection", "epochs", "'; DROP TABLE runs;--", "is not a number"),
    ("NUL byte", "lr", "0.1\x00, 0.2", "“0.1�” is not a number"),
]


@pytest.mark.parametrize("setting, text, phrase", [pytest.param(*row[1:], id=row[0]) for row in SWEEP])
def test_hostile_sweep_values(experiments, setting, text, phrase):
    page = experiments
    rows = list(page.at.session_state["exp.rows"])
    page.at.selectbox(key="exp.sweep.setting").set_value(setting)
    page.at.text_input(key="exp.sweep.values").set_value(text)
    page.at.button(key="exp.sweep.go").click()
    page.run()
    assert_clean(page)
    assert_one_message(page, "error", phrase)
    assert page.at.session_state["exp.rows"] == rows  # the runs are kept, and still shown
    assert page.at.get("vega_lite_chart")


def test_hostile_table_cells_become_one_sentence_each():
    """The run table's handler (rows → configs): whatever a tampered editor sends, each bad cell is a sentence."""
    from dashboard.experiments.panels import rows_to_configs

    rows = [{"hidden": "<script>", "lr": float("inf"), "epochs": -5.0, "activation": "'; DROP TABLE x;--"},
            {"hidden": None, "lr": None, "epochs": float("nan"), "batch_size": 10**400, "optimizer": ["sgd"]}]
    configs, problems = rows_to_configs(rows, RunConfig())
    assert [c.epochs for c in configs] == [1, 300] and configs[1].batch_size == 0
    assert len(problems) == 6 and all(p.startswith(("Run 1: ", "Run 2: ")) and "\n" not in p for p in problems)


# ------------------------------------------------------------------ 6. the CLI flags
CLI = [
    ("lr not finite", ["--lr", "1e400"], "--lr: “1e400” is not a finite number."),
    ("lr nan", ["--lr", "nan"], "--lr: “nan” is not a finite number."),
    ("lr negative", ["--lr", "-1"], "--lr: “-1” is outside 0.0001 to 10."),
    ("lr hex", ["--lr", "0x10"], "is not a number"),
    ("lr NUL", ["--lr", "\x00"], "--lr: “�” is not a number."),
    ("epochs 0", ["--epochs", "0"], "--epochs: “0” is outside 1 to 100000."),
    ("epochs absurd", ["--epochs", "100001"], "--epochs: “100001” is outside 1 to 100000."),
    ("epochs fraction", ["--epochs", "2.5"], "is not a whole number"),
    ("epochs 10,000 characters", ["--epochs", LONG], "--epochs: the value is too long."),
    ("width 0", ["--hidden", "0"], "--hidden: every width must be a whole number from 1 to 256."),
    ("width 257", ["--hidden", "4,257"], "from 1 to 256"),
    ("nine layers", ["--hidden", "1,2,3,4,5,6,7,8,9"], "--hidden: at most 8 hidden layers."),
    ("script tag", ["--hidden", "<script>"], "is not a list of widths such as 4,4"),
    ("SQL injection", ["--dataset", "'; DROP TABLE x;--"], "is not one of xor"),
    ("fullwidth", ["--activation", "ＲＥＬＵ"], "is not one of relu"),
    ("seed too large", ["--seed", "99999999999"], "--seed: “99999999999” is outside 0 to 2147483647."),
    ("batch size absurd", ["--batch-size", "100000"], "outside 0 to 5000"),
    ("classes 100", ["--dataset", "blobs", "--classes", "100"], "--classes: “100” is outside 2 to 8."),
    ("noise 2", ["--noise", "2"], "--noise: “2” is outside 0 to 1."),
    ("unknown flag", ["--bogus"], "unrecognized arguments: --bogus"),
    ("flag without value", ["--lr"], "expected one argument"),
    ("unknown preset", ["--preset", "<script>"], "--preset: “<script>” is not one of seed-000, seed-002."),
    ("newline and terminal escape", ["--preset", "a\nb\x1b[2J"], "--preset: “a�b�[2J” is not one of"),
    ("csv without file", ["--dataset", "csv"], "--dataset csv needs --csv FILE."),
    ("csv and dataset", ["--csv", "{tmp}/good.csv", "--dataset", "moons"], "cannot be used together"),
    ("csv missing", ["--csv", "{tmp}/nope.csv"], "--csv: Cannot read the file 'nope.csv'."),
    ("csv is a folder", ["--csv", "{tmp}"], "--csv: Cannot read the file"),
    ("csv is a device", ["--csv", "/dev/zero"], "--csv: Cannot read the file 'zero'."),
    ("csv binary", ["--csv", "{tmp}/binary.csv"], "The file is not UTF-8 text"),
    ("csv over 5 MB", ["--csv", "{tmp}/big.csv"], "larger than the 5 MB limit"),
    ("output that cannot fit", ["--output", "linear"], "a binary problem needs --output sigmoid, not linear."),
    ("save with a bad extension", ["--epochs", "1", "--save", "{tmp}/run.txt"], "must end in .json or .npz"),
    ("save to a folder that does not exist", ["--save", "/nonexistent/dir/x.json"], "does not exist"),
    ("save onto a folder", ["--epochs", "1", "--save", "{tmp}/dir.json"], "cannot write “dir.json”"),
    ("script with a bad extension", ["--export-script", "{tmp}/x.json"], "must end in .py"),
    ("log every 0", ["--log-every", "0"], "--log-every: “0” is not a whole number from 1 to 100000."),
    ("activations of the wrong length", ["--hidden", "8,8", "--activation", "relu,tanh,sine"],
     "--activation: 3 values for 2 hidden layers; give one value for every layer, or one per layer."),
    ("an empty name in the activation list", ["--activation", "relu,,tanh"], "--activation: “” is not one of relu"),
    ("dropout 1", ["--dropout", "1"], "--dropout: “1” is outside 0 to 0.9."),
    ("dropout rates of the wrong length", ["--hidden", "4", "--dropout", "0.1,0.2"],
     "--dropout: 2 values for 1 hidden layer; give one value for every layer, or one per layer."),
    ("dropout text", ["--dropout", "half"], "--dropout: “half” is not a number."),
]


@pytest.fixture(scope="module")
def cli_files(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("cli")
    (tmp / "good.csv").write_bytes(GOOD_CSV)
    (tmp / "binary.csv").write_bytes(bytes(range(256)))
    (tmp / "big.csv").write_bytes(b"x1,x2,label\n" + b"0.5,0.5,1\n" * 510_000)
    (tmp / "dir.json").mkdir()
    return tmp


@pytest.mark.parametrize("argv, phrase", [pytest.param(*row[1:], id=row[0]) for row in CLI])
def test_hostile_cli_flag(cli_files, capsys, argv, phrase):
    argv = ["train", *(a.replace("{tmp}", str(cli_files)) for a in argv)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        code = cli.main(argv)
    out, err = capsys.readouterr()
    lines = err.splitlines()
    assert code == cli.EXIT_USAGE, err
    assert len(lines) == 1 and phrase in lines[0], lines
    assert lines[0].startswith("python -m nn_core")
    assert not [w for w in caught if issubclass(w.category, RuntimeWarning)]
    assert cli.main(["train", "--epochs", "3", "--csv", str(cli_files / "good.csv")]) == cli.EXIT_OK  # still works
