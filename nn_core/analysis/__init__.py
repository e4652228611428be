"""Looking at a network and its training: gradient checks, gradient-flow findings, runs compared side by side
and a layer's warped plane. It sits beside the engine because the trainer never needs it.
"""
