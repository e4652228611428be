"""Tests for nn_core.datasets: generator contracts, reproducibility and the strict CSV loader."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nn_core import datasets as D
from nn_core.datasets import DATASETS, DataError, Dataset, load_csv, make, to_csv

GENERATED = [name for name, spec in DATASETS.items() if not spec.fixed]
CASES = [(name, k) for name, spec in DATASETS.items() for k in ((2, 3, 8) if spec.uses_classes else (3,))]


def _check_contract(ds: Dataset) -> None:
    """Shapes, dtypes and label sets promised by the Dataset docstring."""
    assert ds.X_train.shape == (ds.n_train, 2) and ds.X_test.shape == (ds.n_test, 2)
    assert ds.X_train.dtype == ds.X_test.dtype == np.float64
    assert np.isfinite(ds.X).all() and np.isfinite(ds.y).all()
    if ds.kind == "multiclass":
        assert ds.y_train.shape == (ds.n_train,) and ds.y_test.shape == (ds.n_test,)
        assert ds.y.dtype == np.int64 and set(np.unique(ds.y)) <= set(range(ds.n_classes))
    else:
        assert ds.y_train.shape == (ds.n_train, 1) and ds.y_test.shape == (ds.n_test, 1)
        assert ds.y.dtype == np.float64
    if ds.kind == "binary":
        assert ds.n_classes == 2 and set(np.unique(ds.y)) <= {0.0, 1.0}
    if ds.kind == "regression":
        assert ds.n_classes == 0


def _same(a: Dataset, b: Dataset) -> bool:
    return (a.kind, a.n_classes) == (b.kind, b.n_classes) and all(
        np.array_equal(getattr(a, f), getattr(b, f)) and getattr(a, f).dtype == getattr(b, f).dtype
        for f in ("X_train", "y_train", "X_test", "y_test"))


# --- generators ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "classes"), CASES)
def test_every_dataset_meets_the_contract(name: str, classes: int) -> None:
    ds = make(name, n=120, classes=classes)
    _check_contract(ds)
    assert ds.name == name
    if DATASETS[name].kind in D.KINDS:
        assert ds.kind == DATASETS[name].kind
    else:
        assert ds.kind == ("binary" if classes == 2 else "multiclass")
        assert ds.n_classes == classes
    if not DATASETS[name].fixed:
        assert (ds.n_train, ds.n_test) == (96, 24)
        bound = 1.5 if name == "blobs" else 1.0  # blob clusters have gaussian tails
        assert np.abs(make(name, n=120, noise=0, classes=classes).X).max() <= bound
    if ds.kind != "regression":  # every class present and sizes within one of each other
        counts = np.unique(ds.y, return_counts=True)[1]
        assert len(counts) == ds.n_classes and counts.max() - counts.min() <= 1


def test_registry_records_are_complete() -> None:
    for spec in DATASETS.values():
        assert callable(spec.generator) and spec.label and spec.description.endswith(".")
        assert spec.kind in (*D.KINDS, D.DEPENDS_ON_CLASSES)
        assert spec.uses_classes == (spec.kind == D.DEPENDS_ON_CLASSES)


def test_unknown_name_lists_valid_names() -> None:
    with pytest.raises(ValueError, match="Unknown dataset 'nope'") as info:
        make("nope")
    assert all(name in str(info.value) for name in DATASETS)


@pytest.mark.parametrize("name", GENERATED)
def test_seed_reproducibility(name: str) -> None:
    assert _same(make(name, seed=7, classes=4), make(name, seed=7, classes=4))
    assert not np.array_equal(make(name, seed=7, classes=4).X, make(name, seed=8, classes=4).X)


@pytest.mark.parametrize(("n", "ratio", "n_test"), [
    (200, 0.2, 40), (10, 0.0, 0), (10, 0.9, 9), (10, 5.0, 9), (10, -1.0, 0), (4, 0.9, 3),
    (1, 0.5, 2), (10**6, 0.1, 500)])  # n clamps to [4, 5000], ratio to [0, 0.9]
def test_split_sizes_and_clamping(n: int, ratio: float, n_test: int) -> None:
    ds = make("moons", n=n, test_ratio=ratio)
    assert ds.n_test == n_test and ds.n_train + ds.n_test == min(max(n, 4), 5000)


def test_bad_numeric_arguments_raise() -> None:
    with pytest.raises(ValueError, match="noise"):
        make("circle", noise=float("nan"))


def test_noise_only_jitters_the_same_points() -> None:
    clean, noisy = make("circle", noise=0.0), make("circle", noise=0.2, n=5000)
    assert np.array_equal(clean.y, make("circle", noise=0.3).y)
    assert np.std(noisy.X - make("circle", noise=0.0, n=5000).X) == pytest.approx(0.2, rel=0.05)


def test_xor_and_toy_are_exact() -> None:
    xor, toy = make("xor", n=999, noise=0.5, test_ratio=0.5), make("toy", seed=3)
    assert xor.X_train.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]] and xor.n_test == 0
    assert xor.y_train.tolist() == [[0], [1], [1], [0]]
    assert toy.X_train.tolist() == [[0.5, 0.1], [0.9, 0.8]] and toy.y_train.tolist() == [[1], [0]]
    assert toy.n_test == 0 and toy.y_test.shape == (0, 1)


@pytest.mark.parametrize("k", [3, 4, 5])
def test_multi_spiral_has_k_classes(k: int) -> None:
    ds = make("multi_spiral", n=300, classes=k)
    assert ds.kind == "multiclass" and ds.n_classes == k and set(ds.y.tolist()) == set(range(k))


def test_classes_clamped_and_two_classes_is_binary() -> None:
    assert make("blobs", classes=2).kind == make("multi_spiral", classes=2).kind == "binary"
    assert make("blobs", classes=50).n_classes == 8 and make("blobs", classes=0).kind == "binary"


@pytest.mark.parametrize("name", list(DATASETS))
def test_domain_covers_all_points_with_padding(name: str) -> None:
    ds = make(name)
    x0, x1, y0, y1 = ds.domain
    (lx, ly), (hx, hy) = ds.X.min(axis=0), ds.X.max(axis=0)
    assert x0 < lx and hx < x1 and y0 < ly and hy < y1
    assert x1 - x0 == pytest.approx(1.2 * (hx - lx)) and y1 - y0 == pytest.approx(1.2 * (hy - ly))


def test_noise_free_geometry() -> None:
    circle = make("circle", n=1000, noise=0)
    r = np.hypot(*circle.X.T)
    inner, outer = r[circle.y[:, 0] == 1], r[circle.y[:, 0] == 0]
    assert inner.max() <= 0.5 < 0.7 <= outer.min()
    cloud = make("xor_cloud", n=400, noise=0)
    assert np.array_equal(cloud.y[:, 0], (np.sign(cloud.X[:, 0]) != np.sign(cloud.X[:, 1])) * 1.0)
    board = make("checkerboard", n=400, noise=0)
    cells = np.floor((board.X + 1) / 0.5).sum(axis=1) % 2
    assert np.array_equal(board.y[:, 0], cells)
    plane = make("plane", noise=0)
    assert np.allclose(plane.y[:, 0], plane.X.sum(axis=1) / 2)


def test_arrays_are_read_only() -> None:
    ds = make("spiral")
    with pytest.raises(ValueError):
        ds.X_train[0, 0] = 1.0


def test_module_imports_numpy_only() -> None:
    code = ("import importlib.util as u, sys; s = u.spec_from_file_location('d', sys.argv[1]);"
            "m = sys.modules['d'] = u.module_from_spec(s); s.loader.exec_module(m);"
            "bad = {n.split('.')[0] for n in sys.modules} & {'pandas', 'streamlit', 'altair'};"
            "sys.exit(str(bad) if bad else 0)")
    subprocess.run([sys.executable, "-c", code, D.__file__], check=True)


# --- CSV ----------------------------------------------------------------------------------------

def _csv(*rows: str) -> bytes:
    return ("\n".join(rows) + "\n").encode()


GOOD_ROWS = ("0,0,0", "1,1,1", "0,1,0", "1,0,1")
BAD_CSVS = {
    "empty": (b"", "empty"),
    "blank lines": (b"\n \n\n", "empty"),
    "header only": (_csv("x1,x2,label"), "no data rows"),
    "missing x2": (_csv("x1,label", "0,1"), "missing column x2"),
    "missing label": (_csv("x1,x2,y", *GOOD_ROWS), "label (or target)"),
    "binary": (bytes(range(256)) * 4, "not UTF-8"),
    "latin-1": (_csv("x1,x2,label", *GOOD_ROWS, "0,0,caf\xe9").replace(b"\xc3\xa9", b"\xe9"), "not UTF-8"),
    "non-numeric": (_csv("x1,x2,label", "0,0,0", "1,abc,1", "2,x,1", "0,0,1"),
                    "'x2' has the non-numeric value 'abc' on line 3"),
    "multi-line cell": (_csv("x1,x2,label", *GOOD_ROWS, '1,"a\nb",1'), "non-numeric value 'a b' on line 6"),
    "empty cell": (_csv("x1,x2,label", *GOOD_ROWS, ",1,1"), "'x1' has an empty value on line 6"),
    "short row": (_csv("x1,x2,label", *GOOD_ROWS, "1,1"), "'label' has an empty value on line 6"),
    "nan": (_csv("x1,x2,label", *GOOD_ROWS, "nan,1,1"), "non-finite value 'nan' on line 6"),
    "inf": (_csv("x1,x2,target", *GOOD_ROWS, "1,-inf,1"), "'x2' has the non-finite value '-inf'"),
    "one class": (_csv("x1,x2,label", *(f"{i},{i},3" for i in range(5))), "only one class (3)"),
    "fractional label": (_csv("x1,x2,label", *GOOD_ROWS, "1,1,0.5"), "whole-number classes, but line 6 has 0.5"),
    "nine classes": (_csv("x1,x2,label", *(f"{i},{i},{i}" for i in range(9))), "9 distinct classes"),
    "three rows": (_csv("x1,x2,label", *GOOD_ROWS[:3]), "only 3 data rows"),
    "bad split": (_csv("x1,x2,label,split", *(r + ",train" for r in GOOD_ROWS), "1,1,1,val"),
                  "'split' must be 'train' or 'test', but line 6 has 'val'"),
    "all test": (_csv("x1,x2,label,split", *(r + ",test" for r in GOOD_ROWS)), "at least one 'train' row"),
    "too many rows": (_csv("x1,x2,label", *GOOD_ROWS * 12_501), "more than 50,000 data rows"),
    "too big": (b"x1,x2,label\n" + b"0.000000001,0.000000001,0\n" * 200_000, "larger than the 5 MB limit"),
}


@pytest.fixture(params=["path", "str", "bytes", "bytesio", "stringio"])
def as_source(request: pytest.FixtureRequest, tmp_path: Path):
    """Hand the same content to load_csv in every accepted source form."""
    def convert(content: bytes):
        path = tmp_path / "data.csv"
        path.write_bytes(content)
        return {"path": path, "str": str(path), "bytes": content, "bytesio": io.BytesIO(content),
                "stringio": io.StringIO(content.decode("utf-8", errors="replace"))}[request.param]
    convert.kind = request.param
    return convert


@pytest.mark.parametrize("case", list(BAD_CSVS))
def test_csv_rejections_have_one_clear_sentence(case: str, as_source) -> None:
    content, fragment = BAD_CSVS[case]
    if as_source.kind == "stringio" and case in ("binary", "latin-1"):
        pytest.skip("a text stream is already decoded")
    with pytest.raises(DataError) as info:
        load_csv(as_source(content))
    message = str(info.value)
    assert fragment.lower() in message.lower()
    assert message.endswith(".") and "\n" not in message and "Traceback" not in message


def test_size_is_checked_before_reading() -> None:
    class Upload(io.BytesIO):
        size = D.MAX_CSV_BYTES + 1

        def read(self, *args):  # pragma: no cover - must not be reached
            raise AssertionError("read before the size check")

    with pytest.raises(DataError, match="5 MB"):
        load_csv(Upload(b""))


def test_missing_file_is_a_data_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="Cannot read"):
        load_csv(tmp_path / "nope.csv")


def test_good_csv_loads_with_loose_header() -> None:
    content = "\ufeff X1 ,notes,x2,LABEL \r\n" + "".join(
        f"{i / 10},hello,{-i},{(3, 5, 7)[i % 3]}\r\n" for i in range(12))
    ds = load_csv(content.encode(), test_ratio=0.25, seed=1, name="mine")
    _check_contract(ds)
    assert (ds.name, ds.kind, ds.n_classes, ds.n_train, ds.n_test) == ("mine", "multiclass", 3, 9, 3)
    order = np.argsort(ds.X[:, 0])
    assert np.array_equal(ds.X[order, 1], -np.arange(12.0))
    assert np.array_equal(ds.y[order], np.arange(12) % 3)  # 3, 5, 7 -> 0, 1, 2
    assert _same(ds, load_csv(content.encode(), test_ratio=0.25, seed=1))


@pytest.mark.parametrize(("labels", "kind", "mapped"), [
    ("0 1 1 0", "binary", [0, 1, 1, 0]), ("-1 1 1 -1", "binary", [0, 1, 1, 0]),
    ("2 0 1 2", "multiclass", [2, 0, 1, 2]), ("1.0 2 2 1", "binary", [0, 1, 1, 0])])
def test_label_mapping(labels: str, kind: str, mapped: list[int]) -> None:
    rows = [f"{i},{i},{lab}" for i, lab in enumerate(labels.split())]
    ds = load_csv(_csv("x1,x2,label,split", *(r + ",train" for r in rows)))
    assert ds.kind == kind and ds.y.reshape(-1).tolist() == mapped


def test_label_wins_over_target_and_target_means_regression() -> None:
    both = load_csv(_csv("x1,x2,target,label", *(f"{i},0,{i * 0.5},{i % 2}" for i in range(6))))
    assert both.kind == "binary"
    reg = load_csv(_csv("x1,x2,target", *(f"{i},0,{i * 0.5}" for i in range(6))), test_ratio=0)
    assert reg.kind == "regression" and sorted(reg.y[:, 0]) == [i * 0.5 for i in range(6)]


def test_file_like_is_rewound() -> None:
    upload = io.BytesIO(_csv("x1,x2,label", *GOOD_ROWS))
    upload.read()
    assert load_csv(upload).n_train + load_csv(upload).n_test == 4


@pytest.mark.parametrize("name", [n for n in DATASETS if n != "toy"])  # toy has < 4 rows
def test_to_csv_round_trip_is_exact(name: str) -> None:
    ds = make(name, n=150, classes=5)
    text = to_csv(ds).decode()
    assert text.splitlines()[0] == ("x1,x2,target,split" if ds.kind == "regression" else "x1,x2,label,split")
    assert _same(ds, load_csv(to_csv(ds), name=name))


@settings(max_examples=40, deadline=None)
@given(name=st.sampled_from(GENERATED), n=st.integers(-5, 400), seed=st.integers(0, 2**32),
       noise=st.floats(0, 0.5), ratio=st.floats(0, 1), classes=st.integers(2, 8))
def test_any_valid_arguments_give_consistent_round_trippable_data(name, n, seed, noise, ratio, classes) -> None:
    ds = make(name, n=n, noise=noise, seed=seed, test_ratio=ratio, classes=classes)
    _check_contract(ds)
    total = max(n, 4)
    assert ds.n_train + ds.n_test == total and ds.n_train >= 1
    assert ds.n_test == min(round(total * min(ratio, 0.9)), total - 1)
    if total >= ds.n_classes:  # every class present, so label remapping is the identity
        assert _same(ds, load_csv(to_csv(ds)))


finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False, width=64)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(finite, finite, st.integers(-3, 3)), min_size=4, max_size=60))
def test_random_csv_content_loads_exactly(rows) -> None:
    content = _csv("x1,x2,label", *(f"{a!r},{b!r},{c}" for a, b, c in rows))
    if len({c for *_, c in rows}) < 2:
        with pytest.raises(DataError, match="only one class"):
            load_csv(content)
        return
    ds = load_csv(content, test_ratio=0)
    got = sorted(zip(ds.X[:, 0].tolist(), ds.X[:, 1].tolist(), ds.y.reshape(-1).tolist(), strict=True))
    ranks = {c: i for i, c in enumerate(sorted({c for *_, c in rows}))}
    assert got == sorted((a, b, ranks[c]) for a, b, c in rows)
