"""The MCP front door for tiers and access checks (beside api.py)."""

from typing import Annotated

from mcp_types import CallToolResult
from pydantic import Field

from access.schemas import AccessCheckOut, TierPlanListOut
from coursecompanion import presenters
from coursecompanion.mcp_tools import caller, student_tool, tool_result


@student_tool(title="Check access", operation="checkAccess")
def check_access(
    resource: Annotated[
        str,
        Field(
            min_length=1,
            max_length=100,
            description='"<kind>:<id>", e.g. "chapter:4", "section:9" or "quiz:2".',
        ),
    ],
) -> Annotated[CallToolResult, AccessCheckOut]:
    """May the student open a chapter, section or quiz? Names the tier that opens it."""
    decision = presenters.access_check(caller().credential, resource=resource)
    verdict = "open" if decision["allowed"] else f"needs the {decision['required_tier']} tier"
    return tool_result(AccessCheckOut, decision, text=f"{resource}: {verdict}.")


@student_tool(title="List tiers", operation="listTiers")
def list_tiers() -> Annotated[CallToolResult, TierPlanListOut]:
    """The tiers, their monthly prices and what each unlocks (for explaining a locked
    chapter)."""
    plans = presenters.tiers()
    return tool_result(
        TierPlanListOut,
        plans,
        text=", ".join(f"{p.name}: ${p.price_usd_month}/month" for p in plans["items"]) + ".",
    )
