"""Solara's front-end assets in a local cache, filled from the npm registry, so the dashboard
works offline (a meeting room, a cluster without internet).

Solara's page loads a few npm packages through its CDN proxy (``/_solara/cdn/<pkg>@<ver>/``)
and keeps what it fetched in ``SOLARA_ASSETS_PROXY_CACHE_DIR``. Filling that folder once from
the npm registry — the tarball of each exact version Solara's page template names, checked
against the registry's SHA-512 — means the server never needs the CDN.
``python -m nsrsim.dashboard.assets`` (``make dashboard-assets``) fills it.
"""

import base64
import hashlib
import io
import json
import os
import re
import shutil
import sys
import tarfile
import urllib.request
from pathlib import Path

REGISTRY = "https://registry.npmjs.org"
CACHE_ENV = "SOLARA_ASSETS_PROXY_CACHE_DIR"
PINNED = re.compile(
    r"(?:\{\{cdn\}\}|\$\{this\.getCdn\(\)\})/((?:@[\w.-]+/)?[\w.-]+)@(\d+\.\d+\.\d+(?:-[\w.]+)?)/"
)
# Solara files whose CDN packages a Solara page loads: the page template and the draggable
# grid (Mesa's SolaraViz lays its components out in it; cached so such pages work offline too)
SOURCES = ("server/templates/solara.html.j2", "widgets/vue/gridlayout.vue")


def cache_dir() -> Path:
    """Where the assets are kept: Solara's own ``SOLARA_ASSETS_PROXY_CACHE_DIR`` if set, else
    ``~/.cache/nsrsim/solara-cdn``.
    """
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    return Path.home() / ".cache" / "nsrsim" / "solara-cdn"


def packages() -> list[tuple[str, str]]:
    """The (name, exact version) of every npm package the installed Solara's page loads."""
    import solara
    import solara.server.settings as settings

    root = Path(solara.__file__).parent
    found = {}
    for source in SOURCES:
        found.update(PINNED.findall((root / source).read_text(encoding="utf-8")))
    name, version = settings.assets.fontawesome_path.strip("/").split("/")[0].rsplit("@", 1)
    found[name] = version
    return sorted(found.items())


def missing(folder: Path) -> list[str]:
    """``name@version`` of the packages not yet in ``folder``."""
    return [
        f"{n}@{v}" for n, v in packages() if not (folder / f"{n}@{v}" / "package.json").exists()
    ]


MAX_BYTES = 20_000_000  # the largest of Solara's packages is ~3 MB
PINS = Path(__file__).with_name("asset_integrity.json")


def pinned() -> dict[str, str]:
    """``name@version`` -> the SHA-512 integrity nsrsim ships for it (read from the
    registry when nsrsim was released, not at download time).
    """
    data = json.loads(PINS.read_text(encoding="utf-8"))
    return {spec: entry["integrity"] for spec, entry in data["packages"].items()}


def _get(url: str) -> bytes:
    """``url``'s body: https from the registry's host only, at most :data:`MAX_BYTES`."""
    if not url.startswith(REGISTRY + "/"):
        raise ValueError(f"refusing to download {url}: only {REGISTRY} over https is trusted")
    with urllib.request.urlopen(url, timeout=60) as response:
        data = response.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ValueError(f"refusing {url}: larger than {MAX_BYTES:,} bytes")
    return data


def fetch(name: str, version: str, folder: Path) -> Path:
    """Unpack one package's registry tarball into ``folder/name@version``, checked against
    the integrity hash shipped with nsrsim; nothing is left behind if anything fails.
    """
    spec = f"{name}@{version}"
    expected = pinned().get(spec)
    if expected is None:
        raise ValueError(
            f"{spec} has no integrity hash shipped with nsrsim (a newer Solara?); install the "
            "Solara version nsrsim pins, or add its hash to nsrsim/dashboard/asset_integrity.json"
        )
    meta = json.loads(_get(f"{REGISTRY}/{name}/{version}"))
    data = _get(meta["dist"]["tarball"])
    algorithm, digest = expected.split("-", 1)
    if base64.b64decode(digest) != hashlib.new(algorithm, data).digest():
        raise ValueError(f"{spec}: the tarball does not match the integrity hash nsrsim ships")
    target = folder / spec
    staging = folder / f".{name.replace('/', '_')}@{version}.partial"
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
            archive.extractall(staging, filter="data")
        target.parent.mkdir(parents=True, exist_ok=True)
        (staging / "package").rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def fill(folder: Path | None = None) -> list[str]:
    """Download what is missing into ``folder`` (default :func:`cache_dir`); what was added."""
    folder = folder or cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    added = []
    for spec in missing(folder):
        name, version = spec.rsplit("@", 1)
        fetch(name, version, folder)
        added.append(spec)
    return added


def main() -> int:
    """Fill the cache and say where it is."""
    folder = cache_dir()
    try:
        added = fill(folder)
    except (OSError, ValueError, tarfile.TarError) as exc:
        print(f"error: could not fetch Solara's assets from {REGISTRY}: {exc}", file=sys.stderr)
        return 2
    print(f"Solara assets in {folder}: " + (", ".join(added) + " added" if added else "complete"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
