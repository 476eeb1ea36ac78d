"""The dashboard: its levers make the scenarios they say; served, it renders the map and
charts in headless Chromium, Step advances the model and a chart, each browser session has its
own model, and nothing is fetched from beyond the server (offline)."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from nsrsim.config import load_scenario
from nsrsim.dashboard.levers import lever_scenario

from .conftest import BASELINE, ROOT, small

solara = pytest.importorskip("solara", reason="the dashboard extra is not installed")


def test_levers_make_the_scenario_they_say():
    base = small()
    off = lever_scenario(base, False, 10, 1.0, False, False, 7)
    assert not off.framework.enabled and off.policies == base.policies
    assert off.run.seed == 7 and "fehmarnbelt" not in off.world.transport_projects
    on = lever_scenario(base, True, 6, 2.5, True, True, "11")
    assert on.framework.enabled and on.framework.duration_years == 6
    assert on.framework.budget_eur_per_year == 2.5e6
    kinds = [p.kind for p in on.policies[len(base.policies) :]]
    assert kinds == ["matchmaking", "innovation_management", "rural_inclusion"]
    assert all(p.duration_years == 6 for p in on.policies[len(base.policies) :])
    assert on.world.transport_projects["fehmarnbelt"] == 2032 and on.run.seed == 11
    with_framework = load_scenario(ROOT / "configs" / "nsr_framework_10y.yaml")
    switched_off = lever_scenario(with_framework, False, 10, 1.0, False, False, 7)
    assert not switched_off.framework.enabled and switched_off.policies == []
    assert switched_off.programmes == with_framework.programmes  # today's INTERREG A stays
    shorter = lever_scenario(with_framework, True, 5, 1.0, False, False, 7)
    assert [p.duration_years for p in shorter.policies] == [5, 5]  # no 10-year copies left


def test_a_bad_dashboard_config_is_a_clear_error(tmp_path, capsys):
    from nsrsim.cli import main

    assert main(["dashboard", str(tmp_path / "missing.yaml")]) == 2
    assert "missing.yaml" in capsys.readouterr().err
    assert main(["dashboard", "--port", "0"]) == 2


def browser() -> str:
    """Debian's chromium; missing: skip, except where CI requires it (then fail)."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path:
        return path
    message = "no chromium on this machine (Debian package 'chromium'; .ci/run installs it)"
    if os.environ.get("NSRSIM_REQUIRE_BROWSER"):
        pytest.fail(message)
    pytest.skip(message)


def is_remote(url: str, server: str) -> bool:
    """A request that leaves the dashboard's server (data: and blob: URLs stay in the page)."""
    return url.startswith(("http:", "https:", "ws:", "wss:")) and not url.startswith(
        (server, server.replace("http", "ws", 1))
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    """``nsrsim dashboard`` on a free port, with the baseline, until the tests are done."""
    port = free_port()
    log_path = ROOT / "results" / "dashboard-test.log"
    log = open(log_path, "w")  # noqa: SIM115 (closed below)
    process = subprocess.Popen(
        [sys.executable, "-m", "nsrsim.cli", "dashboard", str(BASELINE), "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=ROOT,
        start_new_session=True,  # its own process group: the solara server it starts goes too
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            break
        except OSError:
            if process.poll() is not None:
                pytest.fail(f"the dashboard server exited: {log_path.read_text()}")
            time.sleep(0.5)
    yield url
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=20)
    log.close()


@pytest.mark.slow
def test_dashboard_steps_and_charts_in_a_browser(server):
    from playwright.sync_api import expect, sync_playwright

    executable = browser()
    outside: list[str] = []
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        page = chromium.new_page(viewport={"width": 1500, "height": 1100})
        page.on("request", lambda r: outside.append(r.url) if is_remote(r.url, server) else None)
        page.goto(server, timeout=120_000)
        expect(page.get_by_text("Step 0 (year")).to_be_visible(timeout=120_000)
        figures = page.locator("img")
        expect(figures.nth(1)).to_be_visible(timeout=60_000)  # the map and the charts
        charts = figures.last.get_attribute("src")
        for step in range(1, 6):
            page.get_by_role("button", name="Step").click()
            expect(page.get_by_text(f"Step {step} (year")).to_be_visible(timeout=60_000)
        page.wait_for_timeout(1000)
        assert figures.last.get_attribute("src") != charts  # a year passed: the charts moved
        shots = ROOT / "results"
        page.screenshot(path=str(shots / "dashboard.png"), full_page=True)
        other = chromium.new_page()  # another session has its own model, still at step 0
        other.goto(server, timeout=120_000)
        expect(other.get_by_text("Step 0 (year")).to_be_visible(timeout=120_000)
        chromium.close()
    assert outside == []  # everything came from the server: works offline
    assert (shots / "dashboard.png").stat().st_size > 10_000
