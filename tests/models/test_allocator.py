import json
import platform
import subprocess
import sys

import pytest

PROBE = """
import ctypes, json, sys
import numpy as np
from latentsweep.models.allocator import keep_freed_memory

class Info(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost".split()]

libc = ctypes.CDLL("libc.so.6")
libc.mallinfo2.restype = Info
took = keep_freed_memory() if sys.argv[1] == "keep" else None
before = libc.mallinfo2()
block = np.ones(20 * 2**20 // 8)  # 20 MB, as a conv VAE activation
during = libc.mallinfo2()
del block
after = libc.mallinfo2()
print(json.dumps({"took": took, "mapped": during.hblkhd - before.hblkhd, "kept": after.arena - before.arena}))
"""

MB = 2**20


def probe(mode: str) -> dict:
    completed = subprocess.run([sys.executable, "-c", PROBE, mode], capture_output=True, text=True, check=True)
    return json.loads(completed.stdout)


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt and mallinfo2 are glibc's")
def test_a_freed_20_mb_block_stays_in_the_heap_for_the_next_step():
    default, kept = probe("default"), probe("keep")
    # glibc by default maps a 20 MB block on its own and unmaps it when freed: the next one faults in fresh pages
    assert default["mapped"] >= 20 * MB and default["kept"] < MB, default
    assert kept["took"] is True
    assert kept["mapped"] < MB and kept["kept"] >= 20 * MB, kept
