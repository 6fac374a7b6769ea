"""Reliability suite: one zygote (finews imported and warmed once) shared by the process-killing tests,
and a seeded hypothesis profile so CI explores the same bounded set of inputs every run."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

from .harness import Zygote

settings.register_profile(
    "reliability",
    max_examples=150,
    deadline=None,  # a shared 2-core machine: time limits would make the fuzzing flaky, not stricter
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.fixture(scope="session")
def zygote() -> Iterator[Zygote]:
    forks = Zygote()
    yield forks
    forks.close()
