"""What leaves the engine as a file: a network saved with its run settings (JSON or .npz, loaded back as
untrusted input) and a run written out as a standalone NumPy script. Everything that writes or reads a
file's format lives here, so the checks on hostile files sit in one place.
"""
