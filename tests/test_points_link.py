"""A drawn data set in the Playground's link (points=): trained on, the address bar carries the points, and
the link opens the same set, split and trained the same way, in a fresh session; a hostile points= value is
one sentence in the link's warning and the page keeps working."""

from __future__ import annotations

import base64
import struct

import numpy as np
import pytest
from test_page_playground import run_page, the_run

from dashboard import keys
from dashboard.playground import draw, points_link

CELLS = [(3, 4), (25, 26), (4, 25), (26, 3), (10, 11), (20, 19), (9, 21), (21, 8), (15, 15), (0, 29)]
CLICKED = [(draw.cell_centre(i), draw.cell_centre(j), float(k % 2)) for k, (i, j) in enumerate(CELLS)]


def train_on(rows, regression: bool = False):
    at = run_page({"epochs": "30"}, session={keys.DRAWN: list(rows), keys.DRAW_OPEN: True,
                                             keys.DRAW_REGRESSION: regression}, play=False)
    at.button(key=keys.DRAW_USE).click().run()
    assert not at.exception and not at.error
    return at


@pytest.mark.parametrize("rows, regression", [
    (CLICKED, False),
    ([(x1, x2, t) for (x1, x2, _), t in zip(CLICKED, [0.5, -1.0, 2.25, 10.0, -10.0, 0.0, 1.0, 3.5, -2.5, 0.1])], True),
])
def test_a_link_to_drawn_points_opens_the_same_set_in_a_fresh_session(rows, regression):
    at = train_on(rows, regression)
    query = dict(at.query_params)
    assert query["dataset"] == "csv" and {"dataset", "points"} <= set(query)
    assert len(query["points"]) <= 1 + len(rows) * (4 if regression else 2) * 4 // 3 + 1  # a few bytes a point
    first = the_run(at)
    fresh = run_page(query, play=False)  # another session: nothing but the link
    assert not fresh.warning and not fresh.error
    again = the_run(fresh)
    assert again.config == first.config
    for name in ("X_train", "y_train", "X_test", "y_test"):  # the same points, split the same way, bit for bit
        assert getattr(again.data, name).tobytes() == getattr(first.data, name).tobytes()
    assert fresh.session_state[keys.DRAWN] == list(rows)  # and the drawing plane shows them
    assert dict(fresh.query_params) == query
    next(b for b in fresh.button if b.label == "Play").click().run()
    next(b for b in at.button if b.label == "Play").click().run()
    assert [p.tobytes() for p in the_run(fresh).net.parameters()] == [p.tobytes() for p in the_run(at).net.parameters()]


def test_points_from_a_data_set_come_back_at_their_cells_centres():
    rows = [(0.5, -0.52, 1.0), (-1.49, 1.49, 0.0), (0.01, 0.0, 3.0)]
    back, regression = points_link.decode(points_link.encode(tuple(rows), False))
    assert not regression and back == [(draw.cell_centre(draw.cell_of(a)), draw.cell_centre(draw.cell_of(b)), t)
                                       for a, b, t in rows]


def test_the_link_is_bounded_even_for_a_full_plane_of_regression_points():
    rng = np.random.default_rng(0)
    rows = tuple((float(a), float(b), float(t)) for a, b, t in
                 zip(*rng.uniform(-1.5, 1.5, (2, draw.MAX_POINTS)), rng.uniform(-10, 10, draw.MAX_POINTS)))
    text = points_link.encode(rows, True)
    assert len(text) <= points_link.MAX_CHARS < 6000
    assert len(points_link.decode(text)[0]) == draw.MAX_POINTS


def test_a_file_upload_is_not_put_in_the_link():
    at = train_on(CLICKED)
    assert "points" in dict(at.query_params)
    at.session_state[keys.UPLOAD] = ("mine.csv", b"x1,x2,label\n0,0,0\n1,1,1\n0,1,1\n1,0,0\n")
    at.run()
    assert not at.exception and "points" not in dict(at.query_params)


def draw_points(at) -> list:
    return at.session_state[keys.DRAWN] if keys.DRAWN in at.session_state else []


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


HOSTILE = {
    "empty": ("", "not in the Playground's format"),
    "only the letter": ("c", "holds no drawn points"),
    "unknown format letter": ("x" + _b64(b"\x00\x01"), "not in the Playground's format"),
    "not base64": ("c!!!!", "not in the Playground's format"),
    "non-ASCII": ("cé€", "not in the Playground's format"),
    "a cut point": ("c" + _b64(b"\x00\x01\x02"), "cut short or damaged"),
    "regression cut short": ("r" + _b64(b"\x00\x01\x00\x02\x00\x01"), "cut short or damaged"),
    "padding in the middle": ("cAA=AA", "not in the Playground's format"),
    "a cell past the plane": ("c" + _b64(struct.pack(">H", 900 * 4)), "outside the drawing plane"),
    "a target past the box": ("r" + _b64(struct.pack(">Hh", 5, 2000)), "outside the drawing plane"),
    "too many points": ("c" + _b64(b"\x00\x01" * (draw.MAX_POINTS + 1)), "more than 1,000 drawn points"),
    "huge": ("c" + "A" * 100_000, "longer than"),
    "script tag": ("<script>alert(1)</script>", "not in the Playground's format"),
}


@pytest.mark.parametrize("value, phrase", list(HOSTILE.values()), ids=list(HOSTILE))
def test_a_hostile_points_value_is_one_sentence_and_the_page_works(value, phrase):
    at = run_page({"dataset": "csv", "points": value}, play=False)
    assert not at.exception
    (warning,) = [w.value for w in at.warning]
    assert phrase in warning and "The drawing plane starts empty." in warning and len(warning) < 300
    assert keys.RUN not in at.session_state and not draw_points(at)
    assert any("Upload a CSV" in i.value for i in at.info)  # the CSV choice without data, as without points=
    with pytest.raises(points_link.PointsError):
        points_link.decode(value)


def test_a_hostile_points_value_beside_a_built_in_set_leaves_the_run_alone():
    at = run_page({"points": "c!!", "epochs": "5"}, play=False)
    assert "Points:" in at.warning[0].value
    next(b for b in at.button if b.label == "Play").click().run()
    assert not at.exception and the_run(at).trainer.epoch == 5
