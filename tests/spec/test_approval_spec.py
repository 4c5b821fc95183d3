"""`approval:` per environment: the shorthand forms, the options' defaults, and who needs an approval (pure)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from shipmate.spec.approval_spec import ApprovalSpec, effective_policy
from shipmate.spec.models import EnvOverlay


def test_the_shorthands_and_the_mapping_mean_the_same_rule() -> None:
    assert ApprovalSpec.model_validate("required") == ApprovalSpec.model_validate({"mode": "required"})
    assert ApprovalSpec.model_validate("none").mode == "none"
    auto = ApprovalSpec.model_validate({"auto_if_confidence": 0.9})
    assert (auto.mode, auto.auto_if_confidence, auto.expires, auto.self_approval, auto.cli) == (
        "required", 0.9, 86400.0, True, True)   # self-approval allowed unless a team turns it off


@pytest.mark.parametrize("bad", ["sometimes", {"mode": "none", "auto_if_confidence": 0.5},
                                 {"auto_if_confidence": 1.5}, {"expires": "5"}, {"who": "ann"}])
def test_bad_approval_values_are_refused(bad: object) -> None:
    with pytest.raises(ValidationError):
        EnvOverlay.model_validate({"approval": bad})


def test_protected_implies_required_for_agents_and_for_the_cli_by_default() -> None:
    policy = effective_policy(None, protected=True)
    assert policy.needed(face="mcp", action="deploy") and policy.needed(face="cli", action="deploy")
    assert policy.needed(face="http", action="down") and not policy.needed(face="mcp", action="status")
    assert not effective_policy(None, protected=False).needed(face="mcp", action="deploy")


def test_cli_false_exempts_only_the_host_cli_and_none_never_frees_agents_on_protected() -> None:
    host_free = effective_policy(ApprovalSpec.model_validate({"cli": False}), protected=True)
    assert not host_free.needed(face="cli", action="deploy") and host_free.needed(face="mcp", action="deploy")
    none = effective_policy(ApprovalSpec.model_validate("none"), protected=True)
    assert not none.needed(face="cli", action="deploy") and none.needed(face="mcp", action="rollback")
    plain = effective_policy(ApprovalSpec.model_validate("required"), protected=False)
    assert plain.needed(face="cli", action="promote") and plain.needed(face="mcp", action="restore")


def test_auto_if_confidence_is_met_only_by_a_known_high_enough_score() -> None:
    policy = effective_policy(ApprovalSpec.model_validate({"auto_if_confidence": 0.9}), protected=True)
    assert policy.auto_met({"score": 0.92}) and policy.auto_met({"score": 0.9})
    assert not policy.auto_met({"score": 0.89}) and not policy.auto_met(None) and not policy.auto_met({})
    assert not effective_policy(None, protected=True).auto_met({"score": 1.0})
