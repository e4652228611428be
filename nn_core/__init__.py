"""nn_core: a small, exact, pure-NumPy neural-network engine.

    >>> import nn_core
    >>> net = nn_core.MLP([2, 4, 1], activation="tanh", output="sigmoid", seed=0)
    >>> history = nn_core.train(net, X, y, lr=0.5, epochs=500)

It imports NumPy and the standard library only. Its folders are its layers, lowest first; a module imports
from its own layer or a lower one, never a higher one (tests/test_layers.py checks every import):

1. the engine: the modules at this top level (network, training, runs, config, datasets, ...);
2. ``analysis``: measuring a network and its training (gradient checks, diagnostics, comparisons);
3. ``teaching``: the lessons' material (tutorial presets, one training step in stages, scenarios);
4. ``files``: a run saved to a file and restored from one;
5. ``programs``: what a user runs outside the app, the command line and the exported script.

So the engine can be read and tested without anything above it, and each layer only adds to the ones below.
"""

from .activations import ACTIVATIONS
from .heads import HEADS
from .history import History
from .initializers import INITIALIZERS
from .network import MLP
from .optimizers import OPTIMIZERS
from .training import Trainer, train

__all__ = ["ACTIVATIONS", "HEADS", "INITIALIZERS", "OPTIMIZERS", "History", "MLP", "Trainer", "train"]
__version__ = "0.1.0"
