"""Looking at a network and its training: gradient checks, gradient-flow findings, runs compared side by side,
the symmetric saddle's measures, a layer's warped plane and the loss landscape around the weights. It is the
layer above the engine: it reads networks, runs and histories, and the trainer never needs it.
"""
