"""Process-wide memory settings (glibc's allocator) for processes that run models."""

import ctypes
from functools import cache

# glibc's mallopt parameters (malloc.h)
M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_THRESHOLD = -1, -2, -3
KEPT_BYTES = 256 << 20


@cache  # once a process
def keep_freed_memory() -> None:
    """Let a process that runs models keep the memory a run, or a step, frees (glibc;
    elsewhere nothing changes). By default glibc gives a large array its own mapping and
    returns freed memory at the heap's top to the system, so every run faulted its arrays'
    pages in afresh: 9 million page faults and 15 s of system time in 144 single runs of the
    baseline SA file on 2 workers, 43 s wall; with arrays up to 256 MB on the heap and up to
    512 MB of free memory kept, 0.16 million and 0.8 s, 34 s wall. A single ``nsrsim run``
    reuses its steps' temporaries (a fifth fewer page faults, ~0.2 s). Numbers do not change.
    """
    try:
        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc
        return
    mallopt(M_MMAP_THRESHOLD, KEPT_BYTES)
    mallopt(M_TRIM_THRESHOLD, 2 * KEPT_BYTES)
    mallopt(M_TOP_PAD, KEPT_BYTES // 4)
