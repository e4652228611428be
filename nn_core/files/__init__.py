"""A run saved for later: a network with its run settings (JSON or .npz, every file loaded back as untrusted
input), and a saved run restored into a live one. The trainer never needs it; saving, restoring a run and the
app's downloads do.
"""
