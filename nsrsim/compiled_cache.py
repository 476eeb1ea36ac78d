"""Where numba keeps the compiled kernels: one folder per version of the package's source.

numba's on-disk cache notices when a kernel's own file changes, not when a kernel it calls
from another file does: after an edit, a ``git pull`` or an upgrade that changed only the
callee, the caller's cached machine code keeps the old callee compiled in, and a run mixes two
versions of the model while its metadata records the new commit (seen in issue 28: an edited
broker pass in ``rules/partnering.py`` ran as the cached one inside ``policy._broker_pass``).
Keying the folder by a hash of every source file of the package makes any change compile
everything again, once (``make`` does it after an install or a change, ``python -m
nsrsim.warm``). ``NUMBA_CACHE_DIR``, where set, is the user's choice and is left alone.
"""

import hashlib
import os
import shutil
from pathlib import Path

import numba

PACKAGE = Path(__file__).resolve().parent
PREFIX = "numba-"


def source_key(root: Path = PACKAGE) -> str:
    """A short hash of every ``.py`` file under ``root`` (paths and contents)."""
    digest = hashlib.sha1()
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def cache_root(root: Path = PACKAGE) -> Path:
    """The folder that holds one cache folder per source version: the package's
    ``__pycache__`` where it can be written (a checkout), else the user's cache folder (an
    install owned by another user).
    """
    if os.access(root, os.W_OK):
        return root / "__pycache__"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "nsrsim"


def cache_folder(root: Path = PACKAGE) -> Path:
    """The cache folder of this version of the source."""
    return cache_root(root) / f"{PREFIX}{source_key(root)}"


def use_source_keyed_cache() -> None:
    """Compile into (and load from) this source version's folder, unless
    ``NUMBA_CACHE_DIR`` is set. Runs when ``nsrsim`` is imported, before any kernel is
    defined: numba reads the folder when a kernel is decorated.
    """
    if not os.environ.get("NUMBA_CACHE_DIR"):
        numba.config.CACHE_DIR = str(cache_folder())


def remove_other_versions(root: Path = PACKAGE) -> list[Path]:
    """Delete the cache folders of other source versions (left by earlier edits or
    updates) and numba's per-file caches beside the source (from before this module); the
    removed folders and files.
    """
    keep = cache_folder(root)
    removed = []
    for folder in cache_root(root).glob(f"{PREFIX}*"):
        if folder.is_dir() and folder != keep:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    for pattern in ("__pycache__/*.nbi", "__pycache__/*.nbc"):
        for old in root.rglob(pattern):
            old.unlink(missing_ok=True)
            removed.append(old)
    return removed
