"""Result files are readable by colleagues: atomic writes give the mode a plain open would."""

import os
import stat

import pandas as pd
import pytest

from nsrsim.store import write_parquet_atomic, write_text_atomic


@pytest.mark.parametrize(("mask", "mode"), [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_atomic_writes_follow_the_umask(tmp_path, mask, mode):
    old = os.umask(mask)
    try:
        parquet = write_parquet_atomic(pd.DataFrame({"a": [1]}), tmp_path / "t.parquet")
        text = write_text_atomic(tmp_path / "manifest.json", "{}\n")
    finally:
        os.umask(old)
    for path in (parquet, text):
        assert stat.S_IMODE(path.stat().st_mode) == mode, path.name
    assert pd.read_parquet(parquet)["a"].tolist() == [1]
