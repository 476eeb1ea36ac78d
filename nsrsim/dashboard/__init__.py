"""``nsrsim dashboard``: the model live in a browser (Mesa SolaraViz), for presentations.

:mod:`nsrsim.dashboard.levers` turns the dashboard's controls into a scenario,
:mod:`nsrsim.dashboard.app` is the Solara page (one model per browser session) and
:mod:`nsrsim.dashboard.serve` starts the server, bound to 127.0.0.1 unless told otherwise,
with Solara's front-end assets from a local cache so it works without internet.
"""
