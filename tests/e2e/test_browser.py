"""The home page in headless Chromium: the tables and the chart render, with no script and no network."""
from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from service.chart import COLOURS
from tests.conftest import SteppableClock
from tests.webhelpers import FakeRuns, health_for, running_web, seeded_app

pytestmark = pytest.mark.slow
BROWSERS = ("chromium", "chromium-browser", "google-chrome")


@pytest.fixture
def browser() -> str:
    found = next((path for name in BROWSERS if (path := shutil.which(name))), None)
    if found is None:
        pytest.skip("no Chromium here (apt-get install -y chromium)")
    return found


@pytest.fixture
def home(tmp_path: Path, clock: SteppableClock) -> Iterator[str]:
    app = seeded_app(tmp_path / "data", clock)
    with running_web(app, health_for(app, FakeRuns())) as url:
        yield f"{url}/?as_at=2024-11-21"


def chromium(browser: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Headless Chromium that reaches for nothing but the page."""
    command = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
               f"--user-data-dir={profile}", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def test_the_tables_and_the_chart_are_in_the_rendered_page(browser, home, tmp_path):
    done = chromium(browser, tmp_path / "profile", "--dump-dom", home)
    dom = done.stdout
    assert done.returncode == 0, done.stderr[-2000:]
    assert "<caption>Table 10.1: Focus visits by type and grade at time of visit as at 2024-11-21</caption>" in dom
    assert dom.count("<table>") >= 6
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="chart"' in dom
    assert dom.count('data-topic="FD"') == 7  # a bar segment a year, 2018 to 2024
    assert "Open Government Licence v3.0" in dom


def test_the_chart_is_drawn_in_its_colours(browser, home, tmp_path):
    image = pytest.importorskip("PIL.Image")
    shot = tmp_path / "home.png"
    done = chromium(browser, tmp_path / "profile", "--window-size=1280,1000", f"--screenshot={shot}", home)
    assert done.returncode == 0 and shot.is_file(), done.stderr[-2000:]
    with image.open(shot) as picture:
        pixels = {rgb: n for n, rgb in picture.convert("RGB").getcolors(maxcolors=1 << 22)}
    for topic in ("FD", "CIN/CPP", "C-19"):
        rgb = tuple(int(COLOURS[topic][i:i + 2], 16) for i in (1, 3, 5))
        assert pixels.get(rgb, 0) > 200, f"{topic}'s bars are not on the screen"
