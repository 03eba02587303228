"""Test settings shared by the whole suite."""

import os

from hypothesis import HealthCheck, settings

# A fixed, moderate profile: every run tries the same examples (derandomize), so a
# failure in CI reproduces on a laptop.
settings.register_profile(
    "book",
    max_examples=int(os.environ.get("HYPOTHESIS_MAX_EXAMPLES", "30")),
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("book")
