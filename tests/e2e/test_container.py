"""The image, built and run for real with ../shared/tools/container.sh (podman and buildah, as root)."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.processhelpers import running, wait_until
from tests.sitehelpers import SHARED, LocalSite, corpus_missing, free_port, run_ofsted_site

pytestmark = pytest.mark.slow
CONTAINER_SH = SHARED / "tools" / "container.sh"
REPO = Path(__file__).resolve().parents[2]
TAG = "localhost/ilacs:test"
BASE = "docker.io/library/python:3.11-slim"


def container_missing() -> str | None:
    """Why the image cannot be built here, or None when it can."""
    if not CONTAINER_SH.is_file():
        return f"no container tool at {CONTAINER_SH}"
    if os.geteuid() != 0:
        return "container.sh runs podman and buildah as root"
    if not shutil.which("podman") or not shutil.which("buildah"):
        return "podman or buildah is not installed (`container.sh setup` installs them)"
    if subprocess.run(["podman", "image", "exists", BASE]).returncode != 0:
        return f"no base image {BASE} (`container.sh setup` makes it)"
    return None


@pytest.fixture(scope="module")
def image() -> str:
    if reason := container_missing():
        pytest.skip(reason)
    built = subprocess.run(["bash", str(CONTAINER_SH), "build", TAG, str(REPO)], capture_output=True, text=True,
                           timeout=1200)
    assert built.returncode == 0, f"the image did not build:\n{built.stdout[-4000:]}\n{built.stderr[-4000:]}"
    return TAG


@pytest.fixture
def site() -> Iterator[LocalSite]:
    if reason := corpus_missing():
        pytest.skip(reason)
    with run_ofsted_site(as_at="2019-01-01") as s:  # a short backfill: the image is under test, not the poller
        yield s


def test_the_image_runs_ilacs_as_a_non_root_user_with_a_volume_and_a_healthcheck(image):
    inspected = json.loads(subprocess.run(["podman", "image", "inspect", image], capture_output=True, text=True,
                                          check=True).stdout)[0]
    config = inspected["Config"]
    assert config["User"] == "ilacs"
    assert config["Cmd"] == ["ilacs", "run"]
    assert "/data" in config["Volumes"] and "8080/tcp" in config["ExposedPorts"]
    assert {"ILACS_DATA_DIR=/data", "ILACS_HTTP_HOST=0.0.0.0", "ILACS_HTTP_PORT=8080"} <= set(config["Env"])
    healthcheck = inspected.get("Healthcheck") or config.get("Healthcheck")  # podman puts it beside Config
    assert healthcheck["Test"] == ["CMD", "ilacs", "healthcheck"]


def test_the_container_polls_serves_healthz_passes_its_healthcheck_and_stops_on_sigterm(image, site, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    data.chmod(0o777)  # the image's user owns nothing on the host
    port = free_port()
    env = [f"ILACS_HTTP_PORT={port}", f"ILACS_REPORTS_URL={site.url}", f"ILACS_FILES_URL={site.url}",
           "ILACS_REQUEST_PACE=0"]
    options = [item for e in env for item in ("-e", e)]
    command = ["bash", str(CONTAINER_SH), "run", image, *options, "-v", f"{data}:/data"]
    with running(command, dict(os.environ), port, tmp_path / "container.log", tmp_path) as container:
        wait_until(lambda: container.health_json(), 60, "/healthz answered from the host")
        wait_until(lambda: (container.health_json() or {}).get("last_success"), 120, "the first poll succeeded")
        assert (data / "ilacs.db").is_file()  # the data is on the volume
        home = httpx.get(f"http://127.0.0.1:{port}/", timeout=30)  # the templates were packaged
        assert home.status_code == 200 and "<svg" in home.text and "Open Government Licence" in home.text

        health = subprocess.run(["bash", str(CONTAINER_SH), "health", image, "-e", f"ILACS_HTTP_PORT={port}"],
                                capture_output=True, text=True, timeout=120)
        assert health.returncode == 0, health.stdout + health.stderr
        assert "healthy: last poll" in health.stdout

        # container.sh hands the signal to the program inside, as an engine would
        assert container.stop(signal.SIGTERM, within=60) == 0
        log = container.log_text()
        assert "SIGTERM received: stopping" in log and "INFO service.run: stopped" in log
