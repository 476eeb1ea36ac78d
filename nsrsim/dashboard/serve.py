"""Start the dashboard's Solara server: bound to 127.0.0.1 unless told otherwise, front-end
assets from the local cache (:mod:`nsrsim.dashboard.assets`), no telemetry.
"""

import os
import subprocess
import sys
from pathlib import Path

from nsrsim.dashboard.assets import CACHE_ENV, cache_dir, missing
from nsrsim.dashboard.levers import CONFIG_ENV


def environment(config: Path | None, assets: Path) -> dict[str, str]:
    """The server's environment: the scenario file, the asset cache, telemetry off."""
    env = {
        **os.environ,
        CACHE_ENV: str(assets),
        "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
    }
    if config is not None:
        env[CONFIG_ENV] = str(config.resolve())
    return env


def command(host: str, port: int) -> list[str]:
    """The ``solara run`` command line of the dashboard."""
    return [sys.executable, "-m", "solara", "run", "nsrsim.dashboard.app", "--host", host,
            "--port", str(port), "--production", "--no-open"]  # fmt: skip


def serve(config: Path | None, host: str, port: int) -> int:
    """Run the server until interrupted; its exit code."""
    assets = cache_dir()
    lacking = missing(assets)
    if lacking:
        print(
            f"note: Solara's front-end assets {', '.join(lacking)} are not in {assets}; the "
            "page fetches them from the CDN (needs internet). Run 'make dashboard-assets' once "
            "to work offline.",
            file=sys.stderr,
        )
    print(f"nsrsim dashboard on http://{host}:{port}/ (Ctrl-C stops it)")
    try:
        return subprocess.call(command(host, port), env=environment(config, assets))
    except KeyboardInterrupt:
        return 0
