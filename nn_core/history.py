"""Training history: per-epoch records whose memory stays flat on long runs.

Every record is the state *before* that epoch's update, the loss the
tutorials print. When more than ``max_points`` records accumulate, every other
one is dropped and the recording stride doubles, so 100,000 epochs cost no
more than a few thousand.
"""

from __future__ import annotations

import math

SCALARS = ("loss", "test_loss", "accuracy", "test_accuracy", "lr")
PER_LAYER = ("grad_norm", "update_ratio", "dead_fraction", "saturated_fraction")
_MISSING = {**dict.fromkeys(SCALARS, math.nan), **dict.fromkeys(PER_LAYER)}  # a record without that value


class History:
    def __init__(self, n_layers: int, max_points: int = 1000):
        self.n_layers = n_layers
        self.max_points = max(16, int(max_points))
        self.stride = 1
        self.epochs: list[int] = []
        self.columns: dict[str, list] = {name: [] for name in SCALARS + PER_LAYER}
        self.log: list[dict] = []  # rows at every log_every epochs, never thinned
        self.status = "not started"
        self.diverged_at: int | None = None

    def wants(self, epoch: int) -> bool:
        return epoch % self.stride == 0

    def append(self, epoch: int, **values) -> None:
        self.epochs.append(epoch)
        get = values.get
        for name, column in self.columns.items():
            column.append(get(name, _MISSING[name]))
        if len(self.epochs) > self.max_points:
            self._thin()

    def _thin(self) -> None:
        self.stride *= 2
        keep = [i for i, e in enumerate(self.epochs) if e % self.stride == 0]
        self.epochs = [self.epochs[i] for i in keep]
        for name, column in self.columns.items():
            self.columns[name] = [column[i] for i in keep]

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
        """One flat dict per record (layer columns expanded), e.g. for CSV export."""
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
        return {"epochs": list(self.epochs), "stride": self.stride, "status": self.status,
                "diverged_at": self.diverged_at, "log": list(self.log),
                **{name: list(column) for name, column in self.columns.items()}}

    def __repr__(self) -> str:
        return f"History({len(self)} records, stride {self.stride}, {self.status}, last loss {self.last_loss:.6g})"
