"""The compiled kernels' cache follows the whole source: a change to a kernel's callee in
another file compiles its callers again (numba's own cache notices only the caller's file).
"""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numba

from nsrsim import compiled_cache

CALLEE = "from numba import njit\n\n@njit(cache=True)\ndef value():\n    return {}\n"
CALLER = textwrap.dedent(
    """
    import sys
    import numba
    sys.path.insert(0, sys.argv[1])
    from nsrsim.compiled_cache import cache_folder
    from pathlib import Path
    numba.config.CACHE_DIR = {cache_dir}
    from pkg.caller import twice
    print(twice())
    """
)


def make_package(root: Path, value: int) -> Path:
    package = root / "pkg"
    package.mkdir(exist_ok=True)
    (package / "__init__.py").write_text("")
    (package / "callee.py").write_text(CALLEE.format(value))
    (package / "caller.py").write_text(
        "from numba import njit\n\nfrom pkg.callee import value\n\n"
        "@njit(cache=True)\ndef twice():\n    return 2 * value()\n"
    )
    return package


def run_caller(root: Path, cache_dir: str) -> int:
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    script = CALLER.format(cache_dir=cache_dir)
    done = subprocess.run(
        [sys.executable, "-c", script, str(root)], capture_output=True, text=True, env=env,
        check=True,
    )  # fmt: skip
    return int(done.stdout.split()[-1])


def test_a_changed_callee_in_another_file_is_compiled_again(tmp_path):
    """With one cache folder for all versions (numba's default keeps one per file) the caller
    kept the old callee; with a folder per source version it runs the new one."""
    package = make_package(tmp_path, 1)
    shared = repr(str(tmp_path / "one-folder"))
    keyed = f"str(cache_folder(Path({str(package)!r})))"
    assert run_caller(tmp_path, shared) == 2
    assert run_caller(tmp_path, keyed) == 2
    (package / "callee.py").write_text(CALLEE.format(5))
    assert run_caller(tmp_path, shared) == 2  # the hazard: the cached caller, the old callee
    assert run_caller(tmp_path, keyed) == 10


def test_the_key_changes_with_any_source_file_and_nothing_else(tmp_path):
    package = make_package(tmp_path, 1)
    key = compiled_cache.source_key(package)
    assert compiled_cache.source_key(package) == key
    (package / "notes.txt").write_text("not source")
    assert compiled_cache.source_key(package) == key
    (package / "callee.py").write_text(CALLEE.format(2))
    assert compiled_cache.source_key(package) != key


def test_nsrsim_compiles_into_its_source_versions_folder():
    if os.environ.get("NUMBA_CACHE_DIR"):
        assert os.environ["NUMBA_CACHE_DIR"] == numba.config.CACHE_DIR
    else:
        assert str(compiled_cache.cache_folder()) == numba.config.CACHE_DIR


def test_warming_removes_the_folders_of_other_versions(tmp_path):
    package = make_package(tmp_path, 1)
    current = compiled_cache.cache_folder(package)
    stale = current.with_name(compiled_cache.PREFIX + "0" * 12)
    for folder in (current, stale):
        folder.mkdir(parents=True)
    unrelated = current.with_name("pkg.cpython-312.pyc")
    unrelated.write_text("")
    per_file = current.with_name("callee.value-3.py312.nbi")  # numba's cache beside the file
    per_file.write_text("")
    kept = current / "callee.value-3.py312.nbi"
    kept.write_text("")
    assert sorted(compiled_cache.remove_other_versions(package)) == sorted([stale, per_file])
    assert current.is_dir() and kept.is_file() and unrelated.is_file()
    assert not stale.exists() and not per_file.exists()
