"""What nnplay hands a user outside the app: the command line (``python -m nn_core``) and a run written out
as one standalone NumPy script. They sit on top because they use everything below: the engine, the tutorials'
presets and the saved files.
"""
