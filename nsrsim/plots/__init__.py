"""Figures: one module per study (run, compare, validate and calibrate, sa), what they share
in style. They read result tables and the world, never a model.
"""
