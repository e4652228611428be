"""The drawing worker: a program of its own that draws playing frames' pictures, fed typed jobs on stdin.

    python -m dashboard.playground.worker

Streamlit runs every session as a thread of one process, so every session's training and drawing hold
one GIL. The server (``dashboard.playground.drawer``) starts this program beside itself and hands it each
playing frame's picture while the session trains the next slice. It imports only NumPy, Pillow and the
picture's code (``dashboard.playground.picture``), never Streamlit, and reads :class:`Job` messages from
stdin (``dashboard.playground.wire``: JSON and raw arrays, never pickle), answering each with one message
on stdout: :class:`Drawn` (the very data URL
:func:`picture.view_picture` makes in the server for the same state) or :class:`Missing` (it does not hold
the job's data set: the server sends the job again with it). Its first reply, before any job, is
:class:`Hello`. It ends when stdin closes, which happens when the server stops.
"""

from __future__ import annotations

import collections
import os
import sys
import time
from dataclasses import dataclass, replace

import numpy as np

from nn_core.datasets import Dataset
from nn_core.network import MLP

from .. import configure_process
from . import picture
from .wire import Wire

MODULE = "dashboard.playground.worker"  # how the server starts it: sys.executable -m MODULE
KEPT = 8  # data sets (and networks) a worker keeps between frames
HEAVY = ("streamlit", "pyarrow", "altair", "pandas")  # what a worker must not import (memory)


# ------------------------------------------------------------------ the messages
@dataclass(frozen=True)
class Job:
    """One playing frame's picture: the network, its curves, the view's settings and which data set.

    The data set itself goes along (``data``) only the first time a worker is sent its token.
    """

    data_token: int  # names the data set for as long as it lives (drawer.data_token)
    net: dict  # MLP(**net) builds the network's shape (MLP.config())
    parameters: np.ndarray  # its flat parameters (MLP.flat_parameters()), copied
    curves: picture.Curves
    view: picture.ViewSettings
    data: Dataset | None = None  # sent with a worker's first job for this token, else None

    def with_data(self, data) -> Job:
        return replace(self, data=data)


@dataclass(frozen=True)
class Hello:
    pid: int
    heavy: tuple[str, ...]  # heavy modules it imported anyway (none expected)


@dataclass(frozen=True)
class Drawn:
    url: str  # the picture's data URL
    width: int  # its width in pixels
    seconds: float  # how long it took to draw: the server schedules frames by this cost


@dataclass(frozen=True)
class Missing:
    data_token: int  # the data set this worker no longer holds


WIRE = Wire([Job, picture.Curves, picture.ViewSettings, Dataset, Hello, Drawn, Missing])


# ------------------------------------------------------------------ drawing
class Drawing:
    """What a worker keeps between jobs: the last few data sets (by token) and networks (by shape)."""

    def __init__(self):
        self.data: collections.OrderedDict = collections.OrderedDict()
        self.nets: collections.OrderedDict = collections.OrderedDict()

    def draw(self, job: Job) -> Drawn | Missing:
        started = time.perf_counter()
        if job.data is not None:
            _kept(self.data, job.data_token, job.data)
        data = self.data.get(job.data_token)
        if data is None:
            return Missing(job.data_token)
        self.data.move_to_end(job.data_token)
        key = repr(sorted(job.net.items()))
        net = self.nets.get(key) or _kept(self.nets, key, MLP(**job.net))
        net.flat_parameters()[...] = job.parameters
        url, width = picture.view_picture(net, data, job.curves, job.view)
        return Drawn(url, width, time.perf_counter() - started)


def _kept(cache: collections.OrderedDict, key, value):
    cache[key] = value
    cache.move_to_end(key)
    while len(cache) > KEPT:
        cache.popitem(last=False)
    return value


# ------------------------------------------------------------------ the program
def main() -> None:
    configure_process()
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    sys.stdout = sys.stderr  # a stray print goes to the server's log, never into the replies
    jobs = sys.stdin.buffer
    WIRE.write(replies, Hello(os.getpid(), tuple(name for name in HEAVY if name in sys.modules)))
    drawing = Drawing()
    while True:
        try:
            job = WIRE.read(jobs)
        except EOFError:  # the server has gone
            return
        WIRE.write(replies, drawing.draw(job))


if __name__ == "__main__":
    # Run the module under its own name, so that its message classes are the ones WIRE names
    from dashboard.playground.worker import main as run

    run()
