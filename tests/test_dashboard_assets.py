"""The dashboard's offline assets are downloaded only from the npm registry over https, only
as the integrity hash shipped with nsrsim says, at most 20 MB each, and a failed download
leaves nothing behind."""

import base64
import hashlib
import io
import json
import tarfile

import pytest

from nsrsim.dashboard import assets

SPEC = "requirejs@2.3.6"


def tarball(content: bytes = b"define();") -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        info = tarfile.TarInfo("package/require.js")
        info.size = len(content)
        archive.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


def registry(monkeypatch, data: bytes, tarball_url: str | None = None) -> None:
    """Serve ``data`` as requirejs's tarball from a fake registry."""
    url = tarball_url or f"{assets.REGISTRY}/requirejs/-/requirejs-2.3.6.tgz"
    meta = json.dumps({"dist": {"tarball": url, "integrity": "sha512-whatever"}}).encode()
    real_get = assets._get

    def fake(address: str) -> bytes:
        if not address.startswith(assets.REGISTRY + "/"):
            return real_get(address)  # the real check refuses it
        return meta if address.endswith("2.3.6") else data

    monkeypatch.setattr(assets, "_get", fake)


def pin(monkeypatch, data: bytes) -> None:
    digest = base64.b64encode(hashlib.sha512(data).digest()).decode()
    monkeypatch.setattr(assets, "pinned", lambda: {SPEC: f"sha512-{digest}"})


def test_every_package_solara_loads_has_a_shipped_hash():
    pytest.importorskip("solara")
    pins = assets.pinned()
    assert all(f"{n}@{v}" in pins for n, v in assets.packages())
    assert all(h.startswith("sha512-") for h in pins.values())


def test_only_the_registry_over_https_is_trusted():
    for url in ("http://registry.npmjs.org/x", "https://evil.example/x", "file:///etc/passwd"):
        with pytest.raises(ValueError, match="only https://registry"):
            assets._get(url)


def test_a_pinned_tarball_unpacks(monkeypatch, tmp_path):
    data = tarball()
    registry(monkeypatch, data)
    pin(monkeypatch, data)
    target = assets.fetch("requirejs", "2.3.6", tmp_path)
    assert (target / "require.js").read_bytes() == b"define();"
    assert [p.name for p in tmp_path.iterdir()] == [SPEC]  # no staging folder left


def test_a_tarball_that_does_not_match_the_shipped_hash_is_refused(monkeypatch, tmp_path):
    registry(monkeypatch, tarball(b"evil()"))
    pin(monkeypatch, tarball())
    with pytest.raises(ValueError, match="integrity hash nsrsim ships"):
        assets.fetch("requirejs", "2.3.6", tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_package_nsrsim_has_no_hash_for_is_refused(monkeypatch, tmp_path):
    registry(monkeypatch, tarball())
    monkeypatch.setattr(assets, "pinned", lambda: {})
    with pytest.raises(ValueError, match="no integrity hash"):
        assets.fetch("requirejs", "2.3.6", tmp_path)


def test_a_tarball_elsewhere_is_refused(monkeypatch, tmp_path):
    registry(monkeypatch, tarball(), tarball_url="https://cdn.example/requirejs.tgz")
    pin(monkeypatch, tarball())
    with pytest.raises(ValueError, match="only https://registry"):
        assets.fetch("requirejs", "2.3.6", tmp_path)


def test_a_download_larger_than_the_limit_is_refused(monkeypatch):
    monkeypatch.setattr(assets, "MAX_BYTES", 10)

    class Response(io.BytesIO):
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr(assets.urllib.request, "urlopen", lambda *a, **k: Response(b"x" * 100))
    with pytest.raises(ValueError, match="larger than"):
        assets._get(f"{assets.REGISTRY}/big")


def test_a_broken_archive_leaves_no_staging_folder(monkeypatch, tmp_path):
    data = b"not a tarball"
    registry(monkeypatch, data)
    pin(monkeypatch, data)
    with pytest.raises(tarfile.TarError):
        assets.fetch("requirejs", "2.3.6", tmp_path)
    assert list(tmp_path.iterdir()) == []
