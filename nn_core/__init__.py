"""nn_core: a small, exact, pure-NumPy neural-network engine.

    >>> import nn_core
    >>> net = nn_core.MLP([2, 4, 1], activation="tanh", output="sigmoid", seed=0)
    >>> history = nn_core.train(net, X, y, lr=0.5, epochs=500)

It imports NumPy and the standard library only. The modules here are the engine; the subpackages
analysis (measuring a network), teaching (the lessons' material) and files (saved runs) are built on it.
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
