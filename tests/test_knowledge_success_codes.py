"""X.S.0 details are phrased for failures; on a 2xx they must not say something is wrong."""

from __future__ import annotations

import pytest

from smtpshell import knowledge


@pytest.mark.parametrize("code", ["2.0.0", "2.1.0", "2.6.0", "2.7.0"])
def test_success_other_codes_read_as_success(code: str) -> None:
    summary = knowledge.explain_enhanced(code).summary
    assert "wrong" not in summary and "problem" not in summary
    assert "done" in summary or "success" in summary


def test_failure_other_codes_keep_their_meaning() -> None:
    assert "wrong" in knowledge.explain_enhanced("5.1.0").summary
