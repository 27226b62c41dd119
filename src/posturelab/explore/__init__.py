"""Exploratory analysis of ensembles (DESIGN sections 5.7 and 6).

Paired comparisons of two lever settings on the same members (:mod:`.compare`), evaluation of a
scenario's claims (:mod:`.claims`), global sensitivity analysis with SALib (:mod:`.sensitivity`),
the Patient Rule Induction Method (:mod:`.prim`), feature scoring with extra-trees
(:mod:`.features`) and scenario discovery (:mod:`.discover`). Everything here imports the engine
and the scenario, never the command line.
"""
