"""The home page in AppTest: three sentences, the live XOR example with real numbers, a link to every page."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlencode

from streamlit.testing.v1 import AppTest
from test_page_playground import png_pixels, vega_charts

from dashboard.home import EXAMPLE
from dashboard.page import PAGES
from dashboard.playground import frames, live_picture
from dashboard.playground.panels import View
from nn_core import runs
from nn_core.config import to_query

ROOT = Path(__file__).resolve().parent.parent


def run_home() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_home_says_what_nnplay_is_in_three_sentences():
    at = run_home()
    intro = at.markdown[0].value
    assert intro.startswith("nnplay is a playground")
    assert len(re.findall(r"[.!?](\s|$)", intro)) == 3


def test_home_shows_a_trained_xor_network_with_its_real_numbers():
    at = run_home()
    reference = runs.run(EXAMPLE)
    accuracy = 100 * reference.trainer.evaluate()["test_accuracy"]
    assert any(f"test accuracy **{accuracy:.1f} %**" in m.value for m in at.markdown)
    assert reference.trainer.evaluate()["test_accuracy"] > 0.85  # it really learned XOR
    # The example is the Playground's own picture of the trained run: one image, not a chart to build.
    (image,) = at.get("image") or at.get("imgs")  # AppTest's name for it before Streamlit 1.66
    url = image.proto.imgs[0].url
    view = View(log_scale=False, discretize=False, show_test=True)
    assert url == frames.frame(reference, reference.net, view, final=True).picture
    the = live_picture.layout(tuple(reference.net.layer_sizes), "binary")
    assert png_pixels(url).shape[:2] == (the.height, the.width)
    assert not vega_charts(at)


def test_home_links_to_every_page_and_no_other():
    at = run_home()
    links = [el.proto for el in at.main.get("page_link")]
    names = {re.sub(r"^\d+_", "", Path(p.path).stem) for p in PAGES}
    assert "Playground" in names
    assert {link.page for link in links} == names
    on_disk = {re.sub(r"^\d+_", "", path.stem) for path in (ROOT / "pages").glob("*.py")}
    assert names == on_disk  # every page file is listed in PAGES, and so linked
    example = next(link for link in links if link.query_string)
    assert example.page == "Playground" and example.query_string == urlencode(to_query(EXAMPLE))


def test_sidebar_lists_home_first_then_every_page():
    at = run_home()
    labels = [el.proto.label for el in at.sidebar.get("page_link")]
    assert labels == ["Home"] + [p.label for p in PAGES]
