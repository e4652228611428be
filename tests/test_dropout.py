"""Dropout: inverted, in training steps only, seeded so runs repeat; the gradient check passes with the mask
held fixed; evaluation and pictures drop nothing; the reference, the exported script and saved runs agree."""

import contextlib
import io

import numpy as np
import pytest

from nn_core import MLP, Trainer, reference
from nn_core.analysis.gradcheck import check_gradients
from nn_core.config import RunConfig, parse, to_query
from nn_core.files import export
from nn_core.grids import network_grids
from nn_core.programs.script import export_script
from nn_core.runs import prepare

FULL = "{epoch} {loss:.17g}"


def _problem(seed=0, n=9):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, 2)
    return X, (X[:, :1] * X[:, 1:] > 0).astype(float)


@pytest.mark.parametrize("activation", ["tanh", "relu", "gelu"])
@pytest.mark.parametrize("rates", [0.5, [0.3, 0.0], [0.9, 0.2]])
def test_gradient_check_passes_with_a_fixed_mask(activation, rates):
    net = MLP([2, 5, 4, 1], activation=activation, output="sigmoid", seed=3, dropout=rates, bias_init=0.1)
    X, y = _problem()
    masks = net.draw_masks(len(X))
    assert any(m is not None and (m == 0).any() for m in masks)  # something is dropped
    check = check_gradients(net, X, y, masks=masks, l2=0.01)
    assert check.max_error < 1e-6, [(p.name, p.error) for p in check.params]
    # the check can fail: the gradient of the undropped network is not this one
    _, clean = net.loss_and_gradients(X, y, l2=0.01)
    _, dropped = net.loss_and_gradients(X, y, l2=0.01, masks=masks)
    assert not np.allclose(clean[0][0], dropped[0][0])


def test_masks_are_inverted_dropout():
    net = MLP([2, 200, 1], seed=1, dropout=0.25)
    (mask,) = net.draw_masks(4000)
    assert set(np.unique(mask)) == {0.0, 1 / 0.75}
    assert abs((mask == 0).mean() - 0.25) < 0.01
    assert abs(mask.mean() - 1.0) < 0.01  # each unit's expected output is unchanged


def test_engine_equals_the_reference_with_masks_bit_for_bit():
    net = MLP([2, 6, 5, 2], activation=["sine", "relu"], output="softmax", seed=4, dropout=[0.4, 0.6])
    X, _ = _problem(1, 11)
    Y = np.eye(2)[np.arange(11) % 2]
    masks = net.draw_masks(11)
    hidden = [reference.ACTIVATIONS[n] for n in net.hidden_activations]
    weights, biases = [W.copy() for W in net.weights], [b.copy() for b in net.biases]
    Zs, As = reference.forward(X, weights, biases, hidden, reference.softmax, masks)
    expected = reference.backward(Zs, As, Y, weights, hidden, "mean", 0.0, 0.0, masks)
    _, grads = net.loss_and_gradients(X, Y, masks=masks)
    assert [g.tobytes() for pair in grads for g in pair] == [g.tobytes() for g in expected]


def test_evaluation_and_pictures_drop_nothing():
    net = MLP([2, 8, 1], seed=0, dropout=0.5)
    twin = MLP([2, 8, 1], seed=0)
    X, y = _problem()
    assert net.forward(X).tobytes() == twin.forward(X).tobytes()
    assert net.loss(X, y) == twin.loss(X, y)
    domain = (-2.0, 2.0, -2.0, 2.0)
    assert network_grids(net, domain, 20).output.tobytes() == network_grids(twin, domain, 20).output.tobytes()
    trainer = Trainer(net, X, y, lr=0.5)
    trainer.run(3)
    assert trainer.evaluate() == Trainer(net, X, y).evaluate()  # evaluation is deterministic


@pytest.mark.parametrize("batch_size", [0, 4])
def test_a_dropout_run_repeats_bit_for_bit_and_differs_from_none(batch_size):
    config = RunConfig(dataset="moons", n_samples=80, hidden=(8, 8), dropout=(0.5, 0.2), batch_size=batch_size,
                       epochs=15)
    first, second = prepare(config), prepare(config)
    first.train()
    second.train(7)
    second.train(8)  # resumed in two pieces: the same masks in the same order
    assert first.net.flat_parameters().tobytes() == second.net.flat_parameters().tobytes()
    plain = prepare(config.replace(dropout=0.0))
    plain.train()
    assert plain.net.flat_parameters().tobytes() != first.net.flat_parameters().tobytes()
    assert plain.history["loss"][0] == first.history["loss"][0]  # the first loss is measured without dropout


def test_live_slices_train_the_same_weights():
    config = RunConfig(dataset="circle", n_samples=60, hidden=(6,), dropout=0.3, batch_size=10, epochs=4)
    whole, sliced = prepare(config), prepare(config)
    whole.train()
    while sliced.trainer.epoch < 4:
        sliced.trainer.run_steps(5)
    assert whole.net.flat_parameters().tobytes() == sliced.net.flat_parameters().tobytes()


@pytest.mark.parametrize("config", [
    RunConfig(dataset="circle", n_samples=60, hidden=(6, 5), dropout=0.3, epochs=20),
    RunConfig(dataset="blobs", classes=3, output="softmax", n_samples=60, hidden=(5, 4), activation=("relu", "tanh"),
              dropout=(0.5, 0.0), batch_size=16, optimizer="adam", lr=0.05, epochs=12),
    RunConfig(dataset="plane", output="linear", n_samples=50, hidden=(6,), dropout=0.9, lr=0.05, epochs=15),
], ids=["full batch", "mini-batch, per layer", "regression at 0.9"])
def test_the_exported_script_reproduces_a_dropout_run_bit_for_bit(config):
    run = prepare(config, log_every=1, diagnostics=False)
    run.train()
    engine = "".join(FULL.format(epoch=r["epoch"], loss=r["loss"]) + "\n" for r in run.history.log)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(export_script(config, log_every=1, line=FULL), "<export>", "exec"), {"__name__": "__main__"})
    assert out.getvalue().startswith(engine)


def test_dropout_in_links_saved_runs_and_its_hostile_values():
    config, warnings = parse({"hidden": "8,8", "dropout": "0.5,0"})
    assert warnings == [] and config.dropout == (0.5, 0.0)
    assert to_query(config)["dropout"] == "0.5,0.0" and parse(to_query(config))[0] == config
    for value, phrase in [("0.95", "is outside 0…0.9. Using “0.9” instead."), ("nan", "not a finite number"),
                          ("0.5,0.5,0.5", "3 values for 2 hidden layers"), ("-1", "Using “0.0” instead.")]:
        fixed, warnings = parse({"hidden": "8,8", "dropout": value})
        assert len(warnings) == 1 and phrase in warnings[0], warnings
    run = prepare(config.replace(epochs=2))
    run.train()
    net, loaded = export.load(export.to_json_bytes(run.net, run.config))
    assert net.dropout == (0.5, 0.0) and loaded == run.config
    net, _ = export.load(export.to_npz_bytes(run.net, run.config))
    assert net.dropout == (0.5, 0.0)
    data = export.to_dict(run.net)
    del data["network"]["dropout"]  # a file from before dropout
    assert export.from_dict(data)[0].dropout == (0.0, 0.0)
    data["network"]["dropout"] = [0.5, 2.0]
    with pytest.raises(export.ExportError, match="“dropout” must be one rate from 0 to 0.9"):
        export.from_dict(data)


def test_bad_rates_are_one_sentence():
    with pytest.raises(ValueError, match="from 0 to 0.9"):
        MLP([2, 3, 1], dropout=1.0)
    with pytest.raises(ValueError, match="one per hidden layer: 1 needed, 2 given"):
        MLP([2, 3, 1], dropout=[0.1, 0.2])
