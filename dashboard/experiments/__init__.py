"""The Experiments page: runs side by side on the same data from the same weights, their diagnostics, replay."""
