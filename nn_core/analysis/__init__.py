"""Reading a network and its training after the fact: gradient checks, gradient-flow findings, runs compared
side by side and a layer's warped plane. Nothing here trains or changes a network; it only measures one.
"""
