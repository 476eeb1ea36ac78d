"""The model's sub-models, one module each; every rule is a function of arrays, parameters and
pre-drawn random numbers, so tests and a per-agent reference can feed it chosen draws.
"""
