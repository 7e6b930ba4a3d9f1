"""The `mcp` settings section: the fleet's MCP server, which agents cco starts use to make
subtasks, read their siblings and message each other, and the limits that keep one agent from
flooding the fleet. User-only (config_trust): a repository's own files never raise them."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, NonNegativeInt, PositiveInt


class McpConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    enabled: bool = Field(
        default=True,
        description="Give every agent cco starts the fleet's MCP server (tools "
        "mcp__cco__*), with a credential of its own.",
    )
    url: str | None = Field(
        default=None,
        description="The URL agents reach the MCP server at; default: the dashboard's own "
        "address (http://web.host:web.port/mcp).",
        pattern=r"^https?://[^\s?#]+$",
    )
    max_subtasks: NonNegativeInt = Field(
        default=8, description="Tasks one task's agents may create in all (its fan-out)."
    )
    max_depth: NonNegativeInt = Field(
        default=2,
        description="How deep agents may nest subtasks: 1 lets a person's task make "
        "subtasks, 2 lets those make their own, 0 forbids create_task.",
    )
    max_wait_s: PositiveInt = Field(
        default=1800, description="The longest one wait_for_task call blocks, in seconds."
    )
    max_message_bytes: PositiveInt = Field(
        default=16_000, description="The largest message send_message takes."
    )
