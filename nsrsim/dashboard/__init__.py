"""``nsrsim dashboard``: two worlds live in a browser, for presentations.

:mod:`nsrsim.dashboard.levers` turns the dashboard's controls into scenarios,
:mod:`nsrsim.dashboard.worlds` runs today's cooperation and the levers' world from one seed,
:mod:`nsrsim.dashboard.views` draws their maps, charts and status,
:mod:`nsrsim.dashboard.app` is the Solara page (one pair of worlds per browser session) and
:mod:`nsrsim.dashboard.serve` starts the server, bound to 127.0.0.1 unless told otherwise,
with Solara's front-end assets from a local cache so it works without internet.
"""
