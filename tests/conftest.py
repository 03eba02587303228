"""Test settings shared by the whole suite.

The tests are organised by who runs them:

- ``package/visible/``: the tests a student receives with the handout (``make student``
  copies this folder): the course materials' worked examples and small checks of every
  part a student writes. On the untouched handout each of them fails with
  ``NotImplementedError``.
- ``package/graded/``: the tests an instructor keeps back and grades with (``make grade``).
  Each carries a ``question`` marker: the question it counts for, its points, and the
  solution regions it grades; every other region runs the reference code, so one mistake
  costs points once (``package/graded/conftest.py``).
- ``package/reference/``: checks that only the reference package must pass: error
  messages for bad input, state that cannot be corrupted, the data loaders, the helpers.
- ``chapters/``: the chapters' sources, notebooks and editions; ``course/``: the student
  edition, the grader and the mutation test; ``site/``: the built HTML in a browser
  (marker ``site``, run after the build).

Every package test module carries the marker of its chapter, so ``pytest -m ch03`` runs
the tests of the linear layer.
"""

import os

from hypothesis import HealthCheck, Phase, settings

# A fixed profile: every run tries the same examples (derandomize), so a failure in CI
# reproduces on a laptop. HYPOTHESIS_MAX_EXAMPLES=300 runs a deeper search.
settings.register_profile(
    "book",
    max_examples=int(os.environ.get("HYPOTHESIS_MAX_EXAMPLES", "30")),
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
    database=None,
)
# The grader (tools/grade.py) runs every submission with this profile: the same examples
# for every student, fewer of them, and no shrinking of a failing example (a wrong
# function fails every example, and shrinking each failure costs minutes per submission),
# so that a class is graded in minutes.
settings.register_profile(
    "grading",
    max_examples=int(os.environ.get("HYPOTHESIS_MAX_EXAMPLES", "10")),
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
    database=None,
    phases=[Phase.explicit, Phase.generate],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "book"))
