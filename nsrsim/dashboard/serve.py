"""Start the dashboard's Solara server: bound to 127.0.0.1 unless told otherwise, front-end
assets from the local cache (:mod:`nsrsim.dashboard.assets`), no telemetry.
"""

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

from nsrsim.dashboard.assets import CACHE_ENV, cache_dir, missing
from nsrsim.dashboard.levers import CONFIG_ENV
from nsrsim.errors import NsrsimError


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


LOOPBACK = ("127.0.0.1", "localhost", "::1")


def check_address(host: str, port: int, exposed: bool) -> None:
    """Refuse an address beyond this machine unless ``exposed`` (the dashboard has no login:
    anyone who reaches it can drive it), and a port another program holds.
    """
    if host not in LOOPBACK and not exposed:
        raise NsrsimError(
            f"--host {host} would serve the dashboard beyond this machine, to anyone who can "
            "reach it, without a login. Give --expose as well if that is what you want (e.g. "
            "a meeting-room network), or leave --host out to serve on 127.0.0.1 only."
        )
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server does
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise NsrsimError(
                f"cannot serve on {host}:{port} ({exc.strerror or exc}): another program holds "
                "the port, or the address is not this machine's. Give another --port."
            ) from None


def serve(config: Path | None, host: str, port: int, exposed: bool = False) -> int:
    """Run the server until interrupted or terminated; its exit code. Whatever ends this
    process (Ctrl-C, SIGTERM from a service manager or a test) ends the server it started.
    """
    check_address(host, port, exposed)
    assets = cache_dir()
    lacking = missing(assets)
    if lacking:
        print(
            f"note: Solara's front-end assets {', '.join(lacking)} are not in {assets}; the "
            "page fetches them from the CDN (needs internet). Run 'make dashboard-assets' once "
            "to work offline.",
            file=sys.stderr,
        )
    if exposed and host not in LOOPBACK:
        print(f"warning: serving beyond this machine on {host}, without a login", file=sys.stderr)
    print(f"nsrsim dashboard on http://{host}:{port}/ (Ctrl-C stops it)", flush=True)
    server = subprocess.Popen(command(host, port), env=environment(config, assets))

    def stop(signum: int, _frame: object) -> None:
        server.send_signal(signum)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        return server.wait()
    except KeyboardInterrupt:  # the child got Ctrl-C from the terminal too
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)
        if server.poll() is None:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
