"""What the teaching pages are built from: the seed tutorials replayed exactly (presets, replays), the
classroom lessons, the failure scenarios, one training step split into named stages and the Backprop page's
lesson that steps through them. It exists so the lessons' material can be read and tested apart from the
engine it teaches.
"""
