"""The outside world's side of tasks in a transaction (db/tx_links.py; ports.py re-exports
it): issue links, pull requests, the webhook inbox, the trackers' sync state."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any, Protocol

from cc_orchestrator.domain.links import (
    InboxItem,
    InboxStatus,
    IssueLink,
    PullRequest,
    PullState,
    SyncState,
)


class LinkRows(Protocol):
    def add_issue_link(self, link: IssueLink) -> IssueLink: ...
    def issue_link(self, task_id: str) -> IssueLink | None: ...
    def issue_link_for(self, tracker: str, project: str, key: str) -> IssueLink | None: ...
    def issue_links(
        self,
        *,
        tracker: str | None = None,
        project: str | None = None,
        task_ids: Collection[str] | None = None,
        limit: int | None = None,
    ) -> list[IssueLink]: ...
    def update_issue_link(self, task_id: str, **values: Any) -> IssueLink:
        """values among url, state, updated_at, data."""
        ...

    def add_pull_request(self, pr: PullRequest) -> PullRequest:
        """Recorded once per task: a task that has one answers the one it has."""
        ...

    def pull_request(self, task_id: str) -> PullRequest | None: ...
    def pull_request_by_number(self, repo: str, number: int) -> PullRequest | None: ...
    def pull_requests(
        self,
        *,
        states: Collection[PullState] | None = None,
        task_ids: Collection[str] | None = None,
        limit: int | None = None,
    ) -> list[PullRequest]: ...
    def update_pull_request(self, task_id: str, **values: Any) -> PullRequest:
        """values among PullRequest's fields but task_id and updated_at."""
        ...

    def add_inbox(
        self,
        *,
        source: str,
        delivery_id: str,
        event: str,
        action: str | None,
        payload: Mapping[str, Any],
        received_at: datetime,
        status: InboxStatus = InboxStatus.PENDING,
    ) -> InboxItem | None:
        """None when this source's delivery id was received already (a redelivery)."""
        ...

    def inbox_item(self, item_id: int) -> InboxItem | None: ...
    def inbox_items(
        self,
        *,
        source: str | None = None,
        statuses: Collection[InboxStatus] | None = None,
        limit: int = 100,
        newest_first: bool = False,
    ) -> list[InboxItem]:
        """Oldest first (the order to apply them in); newest_first for a listing."""
        ...

    def settle_inbox(
        self, item_id: int, *, status: InboxStatus, when: datetime, error: str | None = None
    ) -> None: ...
    def sync_state(self, tracker: str, project: str) -> SyncState | None: ...
    def sync_states(self, tracker: str | None = None) -> list[SyncState]: ...
    def put_sync_state(self, tracker: str, project: str, **values: Any) -> SyncState:
        """values among SyncState's fields but tracker and project."""
        ...
