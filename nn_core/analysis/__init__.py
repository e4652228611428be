"""Looking at a network and its training: gradient checks, gradient-flow findings, runs compared side by side,
a layer's warped plane and the loss landscape around the weights. It sits beside the engine because the
trainer never needs it.
"""
