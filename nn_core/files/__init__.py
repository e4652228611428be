"""A run saved for later: a network with its run settings (JSON or .npz, every file loaded back as untrusted
input) and a run written out as a standalone NumPy script. The trainer never needs it; saving, restoring a run
and the app's downloads do.
"""
