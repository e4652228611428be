"""Training history: per-epoch records whose memory stays flat on long runs.

Every record is the state *before* that epoch's update, the loss the
tutorials print. When more than ``max_points`` records accumulate, every other
one is dropped and the recording stride doubles, so 100,000 epochs cost no
more than a few thousand.

The per-layer diagnostics (gradient norms, update ratios, dead and saturated
units) cost a trainer several times more than the scalars, so they keep a
sparser schedule of their own: only records whose epoch is a multiple of
``diagnostic_stride`` keep them, at most ``max_diagnostics`` of those, plus the
latest record. The other records hold None in those columns.
"""

from __future__ import annotations

import math

SCALARS = ("loss", "test_loss", "accuracy", "test_accuracy", "lr")
PER_LAYER = ("grad_norm", "update_ratio", "dead_fraction", "saturated_fraction")
_MISSING = {**dict.fromkeys(SCALARS, math.nan), **dict.fromkeys(PER_LAYER)}  # a record without that value
DIAGNOSTIC_POINTS = 250


class History:
    def __init__(self, n_layers: int, max_points: int = 1000, max_diagnostics: int = DIAGNOSTIC_POINTS):
        self.n_layers = n_layers
        self.max_points = max(16, int(max_points))
        self.max_diagnostics = max(16, min(int(max_diagnostics), self.max_points))
        self.stride = 1
        self.diagnostic_stride = 1  # a power of two, never below stride
        self.epochs: list[int] = []
        self.columns: dict[str, list] = {name: [] for name in SCALARS + PER_LAYER}
        self.log: list[dict] = []  # rows at every log_every epochs, never thinned
        self.status = "not started"
        self.marks: list[tuple[int, str]] = []  # (epoch, "lr 0.03 → 0.1"): settings changed mid-run
        self.diverged_at: int | None = None
        self._scheduled = 0  # records whose epoch is a multiple of diagnostic_stride

    def wants(self, epoch: int) -> bool:
        return epoch % self.stride == 0

    def keeps_diagnostics(self, epoch: int) -> bool:
        """Whether a record of ``epoch`` keeps its per-layer values once it is no longer the latest."""
        return epoch % self.diagnostic_stride == 0

    def append(self, epoch: int, **values) -> None:
        epochs = self.epochs
        if epochs and epochs[-1] % self.diagnostic_stride:
            self._clear_diagnostics(len(epochs) - 1)  # it had them only as the latest record
        epochs.append(epoch)
        get = values.get
        for name, column in self.columns.items():
            column.append(get(name, _MISSING[name]))
        if epoch % self.diagnostic_stride == 0:
            self._scheduled += 1
        if len(epochs) > self.max_points:
            self._thin()
        if self._scheduled > self.max_diagnostics:
            self._thin_diagnostics()

    def mark(self, epoch: int, text: str) -> None:
        """Note that a setting changed before ``epoch``'s update (never thinned: there are few)."""
        self.marks.append((int(epoch), str(text)))

    def set_latest(self, **values) -> None:
        """Fill columns of the latest record, e.g. diagnostics known only after the update."""
        for name, value in values.items():
            self.columns[name][-1] = value

    def _thin(self) -> None:
        self.stride *= 2
        keep = [i for i, e in enumerate(self.epochs) if e % self.stride == 0]
        self.epochs = [self.epochs[i] for i in keep]
        for name, column in self.columns.items():
            self.columns[name] = [column[i] for i in keep]
        self.diagnostic_stride = max(self.diagnostic_stride, self.stride)
        self._count_scheduled()

    def _thin_diagnostics(self) -> None:
        self.diagnostic_stride *= 2
        for i, epoch in enumerate(self.epochs[:-1]):
            if epoch % self.diagnostic_stride:
                self._clear_diagnostics(i)
        self._count_scheduled()

    def _clear_diagnostics(self, i: int) -> None:
        for name in PER_LAYER:
            self.columns[name][i] = None

    def _count_scheduled(self) -> None:
        self._scheduled = sum(1 for e in self.epochs if e % self.diagnostic_stride == 0)

    def __len__(self) -> int:
        return len(self.epochs)

    def __getitem__(self, name: str) -> list:
        if name == "epoch":
            return self.epochs
        return self.columns[name]

    @property
    def last_loss(self) -> float:
        return self.columns["loss"][-1] if self.epochs else math.nan

    def rows(self) -> list[dict]:
        """One flat dict per record (layer columns expanded, NaN where not recorded), e.g. for CSV export."""
        out = []
        for i, epoch in enumerate(self.epochs):
            row = {"epoch": epoch}
            for name in SCALARS:
                row[name] = self.columns[name][i]
            for name in PER_LAYER:
                values = self.columns[name][i]
                for layer in range(self.n_layers):
                    v = values[layer] if values is not None and layer < len(values) else math.nan
                    row[f"{name}_{layer + 1}"] = v
            out.append(row)
        return out

    def to_dict(self) -> dict:
        return {"epochs": list(self.epochs), "stride": self.stride, "diagnostic_stride": self.diagnostic_stride,
                "status": self.status, "diverged_at": self.diverged_at, "log": list(self.log),
                **{name: list(column) for name, column in self.columns.items()}}

    def __repr__(self) -> str:
        return f"History({len(self)} records, stride {self.stride}, {self.status}, last loss {self.last_loss:.6g})"


def epochs_to_target(history: History, target: float) -> int | None:
    """The first recorded epoch whose loss is ≤ ``target`` (None if never).

    Records are the loss before that epoch's update, so this counts the updates
    needed; on a thinned history it is exact to within the recording stride.
    """
    for epoch, loss in zip(history.epochs, history.columns["loss"]):
        if loss is not None and loss <= target:
            return int(epoch)
    return None
