"""The dashboard: its levers make the scenarios they say; served, it renders the map and
charts in headless Chromium, Step advances the model and a chart, each browser session has its
own model, and nothing is fetched from beyond the server (offline)."""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import replace

import pytest

from nsrsim.config import load_scenario
from nsrsim.dashboard.levers import lever_scenario, levers_of
from nsrsim.dashboard.worlds import Worlds, beyond_interreg_links

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


def test_a_missing_dashboard_extra_names_make_dashboard(monkeypatch, capsys):
    import importlib.util

    from nsrsim.cli import main

    found = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "solara" else found(name, *a)
    )
    assert main(["dashboard", str(BASELINE)]) == 2
    err = capsys.readouterr().err
    assert "make dashboard" in err and "solara" in err and "Traceback" not in err


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


def test_the_dashboard_starts_with_the_config_as_given():
    assert levers_of(load_scenario(BASELINE)).framework is False
    framework = levers_of(load_scenario(ROOT / "configs" / "nsr_framework_10y.yaml"))
    assert framework.framework and framework.duration_years == 10
    assert framework.budget_meur == 1.0 and framework.today(framework).framework is False


def test_two_worlds_from_one_seed_differ_only_by_the_levers():
    base = small(**{"run.years": 6})
    given = levers_of(base)
    same = Worlds.build(base, given)
    same.step_year()
    assert same.today.indicator_rows == same.chosen.indicator_rows  # no lever: one world twice
    worlds = Worlds.build(base, replace(given, framework=True, budget_meur=2.0))
    assert worlds.today.indicator_rows == worlds.chosen.indicator_rows  # year 0: identical
    while not worlds.done:
        worlds.step_year()
    assert not worlds.today.config.framework.enabled and worlds.chosen.config.framework.enabled
    assert worlds.today.indicator_rows != worlds.chosen.indicator_rows
    assert [year for year, _ in worlds.history] == list(range(2025, 2025 + 7))
    assert worlds.history[-1][1] == beyond_interreg_links(worlds.chosen) - beyond_interreg_links(
        worlds.today
    )


def click_year(page, year: int, start: int = 2025) -> float:
    """Step a year; seconds until the status line shows it."""
    from playwright.sync_api import expect

    began = time.monotonic()
    page.get_by_role("button", name="Step a year").click()
    expect(page.get_by_text(f"Year {start + year} ({year} of")).to_be_visible(timeout=60_000)
    return time.monotonic() - began


def beyond(page) -> tuple[int, int]:
    """Relations beyond INTERREG A today and with the levers, from the status line."""
    text = page.get_by_text("Partner relations beyond INTERREG A").first.inner_text()
    found = re.search(r"today ([\d,]+), with the levers ([\d,]+)", text)
    assert found, text
    return tuple(int(g.replace(",", "")) for g in found.groups())  # type: ignore[return-value]


@pytest.mark.slow
def test_dashboard_two_worlds_in_a_browser(server):
    from playwright.sync_api import expect, sync_playwright

    executable = browser()
    outside: list[str] = []
    shots = ROOT / "results"
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        page = chromium.new_page(viewport={"width": 1280, "height": 720})
        page.on("request", lambda r: outside.append(r.url) if is_remote(r.url, server) else None)
        page.goto(server, timeout=120_000)
        expect(page.get_by_text("Year 2025 (0 of")).to_be_visible(timeout=120_000)
        expect(page.get_by_text("with the levers: no framework")).to_be_visible()  # as given
        assert click_year(page, 1) < 3.0  # the first Step answers at once (warmed at start)
        for name in ("Use Threads", "Render Interval", "PAGE 0"):  # no Mesa internals
            assert page.get_by_text(name).count() == 0
        page.get_by_text("Transnational cluster framework").click()
        expect(page.get_by_text("take effect when applied")).to_be_visible()
        expect(page.get_by_text("with the levers: no framework")).to_be_visible()  # not yet
        page.get_by_role("button", name="Apply levers and restart").click()
        expect(page.get_by_text("with the levers: framework 10 years, 1 M EUR")).to_be_visible(
            timeout=60_000
        )
        expect(page.get_by_text("Year 2025 (0 of")).to_be_visible()  # both worlds restarted
        charts = page.locator("img").last.get_attribute("src")
        for year in range(1, 6):
            click_year(page, year)
        today, chosen = beyond(page)
        assert chosen > today  # the worlds differ where the framework acts
        page.wait_for_timeout(1000)
        assert page.locator("img").last.get_attribute("src") != charts  # the charts moved
        page.screenshot(path=str(shots / "dashboard.png"), full_page=True)
        other = chromium.new_page()  # another session has its own worlds, still at year 0
        other.goto(server, timeout=120_000)
        expect(other.get_by_text("Year 2025 (0 of")).to_be_visible(timeout=120_000)
        chromium.close()
    assert outside == []  # everything came from the server: works offline
    assert (shots / "dashboard.png").stat().st_size > 10_000
