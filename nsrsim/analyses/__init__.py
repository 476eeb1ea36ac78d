"""The analyses the project idea promises (``nsrsim analyse``; docs/ANALYSES.md).

- :mod:`gap`: the innovation gap outside the hot-spots, by region and urban class, observed
  beside simulated;
- :mod:`linkages`: potentials for transnational linkages between the regions'
  smart-specialisation priorities;
- :mod:`partnerships`: cluster partnership potentials, screened from the model's state and
  checked by simulating each top candidate's brokered partnership;
- :mod:`pipeline`: plans the runs, executes them through the batch runner and writes the
  tables, figures and a plain-words summary.
"""
