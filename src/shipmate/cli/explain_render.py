"""How `shipmate explain` prints: the score, each factor with its sign, and the outcome beside it."""

from __future__ import annotations

from typing import Any

from rich.console import Console


def explain(result: dict[str, Any]) -> None:
    c = Console(highlight=False)
    c.print(f"{result['deployment_id']}: {result['kind']} {result['service']} {result['version'] or '-'} "
            f"in {result['environment']} by {result['actor']}", markup=False)
    conf = result.get("confidence")
    if conf is None:
        c.print("confidence: not recorded (deployed before confidence scores existed)")
    else:
        top = conf.get("reachable_max")
        c.print(f"confidence: {conf['score']:.2f}" + (f" (reachable with these weights: {top:.2f})"
                                                      if top is not None else ""))
        for factor in conf.get("factors") or []:
            c.print(f"  {factor['delta']:+.2f}  {factor['name']:<20} {factor['detail']}", markup=False)
    verified = {True: "verified", False: "not verified", None: "not judged"}[result.get("verified")]
    outcome = f"outcome: {result['state']}, {verified}"
    if result.get("error"):
        outcome += f" — {result['error']}"
    c.print(outcome, markup=False)
    cal = result["calibration"]
    if cal["predicted"] is not None and cal["actual"] is not None:
        c.print(f"calibration: predicted {cal['predicted']:.2f}, actual {cal['actual']}")
