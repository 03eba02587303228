"""Timing helpers shared by the benchmarks in this folder.

Both libraries run in one process on the same inputs, PyTorch with as many threads as
NumPy's BLAS, and each is timed call by call; the benchmarks report the median.
"""

from __future__ import annotations

import contextlib
import statistics
import time

import torch

# Installed with scikit-learn (requirements.txt): it reads and limits NumPy's BLAS threads.
from threadpoolctl import threadpool_info, threadpool_limits


def blas_threads() -> int:
    """The number of threads NumPy's BLAS uses."""
    return max(pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas")


def fair_threads() -> int:
    """Give PyTorch the thread count of NumPy's BLAS, and return that count."""
    threads = blas_threads()
    torch.set_num_threads(threads)
    return threads


@contextlib.contextmanager
def single_thread():
    """Run the body with one thread in NumPy's BLAS and in PyTorch."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with threadpool_limits(limits=1, user_api="blas"):
            yield
    finally:
        torch.set_num_threads(before)


def time_calls(fns, inputs, rounds=40, per_round=50, warmup=50):
    """Median seconds per call of each function, over ``rounds * per_round`` calls.

    ``fns[i]`` is called as ``fns[i](*args)`` with ``args`` cycling through the list
    ``inputs[i]``. The functions take turns round by round, so that a burst of load from
    elsewhere on the machine slows all of them alike rather than one.

    The warm-up calls also bring the process's allocator to its steady state. glibc
    serves large blocks with fresh ``mmap`` pages (page faults on every call) until the
    first large block is freed, which raises its threshold; in a fresh process that had
    freed nothing, PyTorch's Conv2d pass measured 5.5 ms, against 2.8 ms once NumPy had
    freed one 20 MB array. Every timed call here runs in the steady state, as in training.
    """
    for fn, args_list in zip(fns, inputs):
        for i in range(warmup):
            fn(*args_list[i % len(args_list)])
    times = [[] for _ in fns]
    for _ in range(rounds):
        for fn, args_list, record in zip(fns, inputs, times):
            for i in range(per_round):
                args = args_list[i % len(args_list)]
                start = time.perf_counter()
                fn(*args)
                record.append(time.perf_counter() - start)
    return [statistics.median(record) for record in times]


def print_ratio(title: str, ours: float, theirs: float, goal: float | None, per: str = "call") -> float:
    """Print both times in ms per ``per`` and the ratio mytorch/PyTorch (against ``goal``,
    if there is one); return the ratio."""
    ratio = ours / theirs
    print(f"\n{title}")
    print(f"  {'':10} {'ms/' + per:>9}")
    print(f"  {'mytorch':10} {ours * 1e3:9.3f}")
    print(f"  {'PyTorch':10} {theirs * 1e3:9.3f}")
    print(f"  ratio mytorch/PyTorch = {ratio:.2f}" + (f"  (goal <= {goal})" if goal is not None else ""))
    return ratio


def verdict(met: bool) -> str:
    """``"met"`` or ``"MISSED"``, for the summary lines."""
    return "met" if met else "MISSED"
