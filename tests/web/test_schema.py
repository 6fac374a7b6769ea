"""The API against its own OpenAPI document: schemathesis generates requests, every answer must conform.

Schemathesis' strategies are driven by Hypothesis directly (its pytest plugin does not load under
the pytest this project uses); each operation gets a bounded number of examples.
"""

from __future__ import annotations

import schemathesis  # a test dependency: installed with the test extra, never skipped
from hypothesis import HealthCheck, given, settings

from .conftest import Served

EXAMPLES = 30


def test_api_conforms_to_its_schema(served: Served) -> None:
    schema = schemathesis.openapi.from_url(f"{served.url}/api/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 12
    for operation in operations:
        # without the admin token, admin actions are refused before they run: the shared archive stays put

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def conforms(case: schemathesis.Case) -> None:
            case.call_and_validate()

        conforms()
