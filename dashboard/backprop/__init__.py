"""The Backprop page: one training step of a small network, stage by stage, with the real matrices."""
