"""Figures and reports built from ensembles and analyses (never imported by the layers below)."""
