"""What the teaching pages are built from: the seed tutorials replayed exactly, the classroom lessons, the
failure scenarios and one training step split into named stages. It exists so the lessons' material can be
read and tested apart from the engine it teaches.
"""
