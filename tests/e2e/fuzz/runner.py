"""One caller's fuzz run over one service's schema (schemathesis 4.x, driven by Hypothesis).

Each operation gets requests with the seeded ids in its path (reaching the code behind the 404s), with one
id made up (the 404 of a missing referral, member, ... in a real chapter), and with every id made up; valid
requests and, with the real ids, invalid ones (schemathesis's negative mode: the documented 422s). Every
answer must be documented: no 5xx, the status code listed for the operation, the media type and the body
matching what is listed for that status.

Not schemathesis's stateful phase: FastAPI writes no OpenAPI links and these routes' bodies are mostly
untyped, so neither written nor inferred links would connect the operations; the seeded world is the state.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.e2e.fuzz.seed import Caller

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Run last: with the seeded ids they can end the caller's own membership, role or sessions (and so their token).
ENDS_THE_CALLER = re.compile(r"/(departure|role|revocation|sign-out|sessions|sessions/\{session_id\})$")
# A report asked for with `min_position` waits up to `wait_ms` (2 s by default) for a position the fuzz's
# made-up numbers never reach: it answered each such request only after the wait, and those waits were most of
# the file's time. A valid `wait_ms` of at most this still exercises the wait and its answer (waiting as
# such is tested in tests/e2e/referrals); an invalid one is left alone for the 422.
WAIT_MS_AT_MOST = 20


@dataclass
class Report:
    """What a run found, one entry per distinct failure (operation, status, check), with one way to repeat it."""

    caller: str
    operations: int = 0
    requests: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    failures: dict[tuple[str, int, str], str] = field(default_factory=dict)

    def lines(self) -> list[str]:
        return [f"[{self.caller}] {text}" for text in self.failures.values()]


def _strategies(operation: schemathesis.APIOperation, ids: dict[str, str]) -> st.SearchStrategy[schemathesis.Case]:
    """Half the requests valid with the real ids (reaching the code behind the 404s), a fifth invalid with them
    (the 422s; schemathesis's negative mode, which also leaves the token out), the rest with one made-up id
    in a real chapter (the 404 of a missing member, referral, subscription) or every id made up."""
    names = re.findall(r"{(\w+)}", operation.path)
    real = {name: ids[name] for name in names if name in ids}
    weighted = [(10, operation.as_strategy(GenerationMode.POSITIVE, path_parameters=real))]
    try:
        weighted.append((4, operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=real)))
    except Exception:  # nothing to make invalid but the path, which is fixed here
        pass
    if real:
        one_made_up = dict(list(real.items())[:-1])
        weighted.append((3, operation.as_strategy(GenerationMode.POSITIVE, path_parameters=one_made_up)))
        weighted.append((3, operation.as_strategy(GenerationMode.POSITIVE)))
    choices = [strategy for weight, strategy in weighted for _ in range(weight)]
    return st.integers(0, len(choices) - 1).flatmap(lambda n: choices[n])


def _wait_briefly(case: schemathesis.Case) -> None:
    if not isinstance(case.query, dict) or "min_position" not in case.query:
        return
    wait = case.query.get("wait_ms")
    if wait is None:
        case.query["wait_ms"] = WAIT_MS_AT_MOST
    elif type(wait) in (int, str) and str(wait).isdigit() and int(wait) > WAIT_MS_AT_MOST:
        case.query["wait_ms"] = WAIT_MS_AT_MOST


def fuzz(base_url: str, caller: Caller, ids: dict[str, str], examples: int) -> Report:
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    report = Report(caller.role)
    operations = [result.ok() for result in schema.get_all_operations()]
    # a departure (the caller's own, with their id in the path) ends every token of theirs: the very last
    operations.sort(key=lambda op: (bool(ENDS_THE_CALLER.search(op.path)), op.path.endswith("/departure")))
    for operation in operations:
        report.operations += 1
        _fuzz_one(base_url, caller, operation, ids, examples, report)
    return report


def _fuzz_one(base_url: str, caller: Caller, operation: schemathesis.APIOperation, ids: dict[str, str],
              examples: int, report: Report) -> None:
    label = f"{operation.method.upper()} {operation.path}"

    @hypothesis_settings(max_examples=examples, deadline=None, database=None, derandomize=True,
                         phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=_strategies(operation, ids))
    def run(case: schemathesis.Case) -> None:
        _wait_briefly(case)
        response = case.call(base_url=base_url, headers=caller.headers, timeout=30)
        report.requests += 1
        report.statuses[response.status_code] = report.statuses.get(response.status_code, 0) + 1
        try:
            case.validate_response(response, checks=CHECKS, headers=caller.headers)
        except FailureGroup as group:
            for failure in group.exceptions:
                key = (label, response.status_code, failure.title)
                if key not in report.failures:  # the first example of each; the rest would say the same
                    detail = str(failure.message).strip().replace("\n", "\n      ")
                    report.failures[key] = (
                        f"{label} -> {response.status_code}: {failure.title}\n      {detail}\n"
                        f"    body: {response.text[:300]}\n"
                        f"    repeat (with the caller's token): {case.as_curl_command(base_url=base_url)}")

    run()
