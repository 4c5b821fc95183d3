"""GET /api/v1/whoami: which token this call presents, its scope, and whether it may decide approvals."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from shipmate.web.auth import Caller, csrf_token, needs

router = APIRouter(tags=["identity"])


class WhoAmI(BaseModel):
    actor: str
    name: str
    scope: str
    agent: bool
    via: str
    may_decide: bool
    csrf_token: str     # for a session: what a script sends as X-CSRF-Token; "" for a bearer token


@router.get("/whoami", response_model=WhoAmI)
def whoami(request: Request, caller: Annotated[Caller, Depends(needs("read"))]) -> WhoAmI:
    holder = caller.holder
    return WhoAmI(actor=caller.actor, name=holder.name, scope=holder.scope, agent=holder.agent, via=caller.via,
                  may_decide=not holder.agent and holder.allows("deploy"),
                  csrf_token=csrf_token(request) if caller.via == "session" else "")
