"""The outside world's side of tasks in a transaction (ports_links.LinkRows): issue links,
pull requests, the webhook inbox and the trackers' sync state."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import asdict, fields
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from cc_orchestrator.db.rows import OnSession
from cc_orchestrator.db.tables import InboxRow, IssueLinkRow, PullRequestRow, SyncStateRow
from cc_orchestrator.domain.links import (
    InboxItem,
    InboxStatus,
    IssueLink,
    PullRequest,
    PullState,
    SyncState,
)

PR_FIELDS = {f.name for f in fields(PullRequest)} - {"task_id", "updated_at"}
LINK_FIELDS = {"url", "state", "updated_at", "data"}
SYNC_FIELDS = {f.name for f in fields(SyncState)} - {"tracker", "project"}


def to_link(row: IssueLinkRow) -> IssueLink:
    return IssueLink(
        task_id=row.task_id,
        tracker=row.tracker,
        project=row.project,
        key=row.key,
        url=row.url,
        state=row.state,
        updated_at=row.updated_at,
        data=dict(row.data or {}),
        created_at=row.created_at,
    )


def to_pull(row: PullRequestRow) -> PullRequest:
    return PullRequest(
        task_id=row.task_id,
        repo=row.repo,
        head=row.head,
        base=row.base,
        state=PullState(row.state),
        number=row.number,
        url=row.url,
        head_sha=row.head_sha,
        checks=row.checks,
        ci_rounds=row.ci_rounds,
        review_rounds=row.review_rounds,
        fed=list(row.fed or []),
        etag=row.etag,
        updated_at=row.updated_at,
    )


def to_item(row: InboxRow) -> InboxItem:
    return InboxItem(
        id=row.id,
        source=row.source,
        delivery_id=row.delivery_id,
        event=row.event,
        action=row.action,
        payload=dict(row.payload or {}),
        status=InboxStatus(row.status),
        received_at=row.received_at,
        processed_at=row.processed_at,
        error=row.error,
    )


def to_sync(row: SyncStateRow) -> SyncState:
    return SyncState(
        tracker=row.tracker,
        project=row.project,
        last_sync_at=row.last_sync_at,
        last_error=row.last_error,
        etag=row.etag,
        rate_limit=row.rate_limit,
        rate_remaining=row.rate_remaining,
        rate_reset_at=row.rate_reset_at,
        data=dict(row.data or {}),
    )


def _checked(values: Mapping[str, Any], allowed: Collection[str]) -> dict[str, Any]:
    unknown = set(values) - set(allowed)
    if unknown:
        raise AttributeError(f"not an updatable field: {', '.join(sorted(unknown))}")
    return {k: (v.value if isinstance(v, PullState) else v) for k, v in values.items()}


class LinkTx(OnSession):
    # ------------------------------------------------------------------ issue links
    def add_issue_link(self, link: IssueLink) -> IssueLink:
        row = IssueLinkRow(**{k: v for k, v in asdict(link).items() if k != "created_at"})
        self.session.add(row)
        self.session.flush()
        return to_link(row)

    def issue_link(self, task_id: str) -> IssueLink | None:
        row = self.session.get(IssueLinkRow, task_id)
        return to_link(row) if row else None

    def issue_link_for(self, tracker: str, project: str, key: str) -> IssueLink | None:
        row = self.session.scalar(
            select(IssueLinkRow).where(
                IssueLinkRow.tracker == tracker,
                IssueLinkRow.project == project,
                IssueLinkRow.key == key,
            )
        )
        return to_link(row) if row else None

    def issue_links(
        self,
        *,
        tracker: str | None = None,
        project: str | None = None,
        task_ids: Collection[str] | None = None,
        limit: int | None = None,
    ) -> list[IssueLink]:
        q = select(IssueLinkRow).order_by(IssueLinkRow.created_at, IssueLinkRow.task_id)
        if tracker is not None:
            q = q.where(IssueLinkRow.tracker == tracker)
        if project is not None:
            q = q.where(IssueLinkRow.project == project)
        if task_ids is not None:
            q = q.where(IssueLinkRow.task_id.in_(list(task_ids)))
        if limit is not None:
            q = q.limit(limit)
        return [to_link(r) for r in self.session.scalars(q)]

    def update_issue_link(self, task_id: str, **values: Any) -> IssueLink:
        row = self.session.get(IssueLinkRow, task_id)
        if row is None:
            raise KeyError(task_id)
        for key, value in _checked(values, LINK_FIELDS).items():
            setattr(row, key, value)
        self.session.flush()
        return to_link(row)

    # ------------------------------------------------------------------ pull requests
    def add_pull_request(self, pr: PullRequest) -> PullRequest:
        found = self.session.get(PullRequestRow, pr.task_id)
        if found is not None:
            return to_pull(found)
        values = _checked({k: v for k, v in asdict(pr).items() if k in PR_FIELDS}, PR_FIELDS)
        row = PullRequestRow(task_id=pr.task_id, **values)
        self.session.add(row)
        self.session.flush()
        return to_pull(row)

    def pull_request(self, task_id: str) -> PullRequest | None:
        row = self.session.get(PullRequestRow, task_id)
        return to_pull(row) if row else None

    def pull_request_by_number(self, repo: str, number: int) -> PullRequest | None:
        row = self.session.scalar(
            select(PullRequestRow).where(
                PullRequestRow.repo == repo, PullRequestRow.number == number
            )
        )
        return to_pull(row) if row else None

    def pull_requests(
        self,
        *,
        states: Collection[PullState] | None = None,
        task_ids: Collection[str] | None = None,
        limit: int | None = None,
    ) -> list[PullRequest]:
        q = select(PullRequestRow).order_by(PullRequestRow.task_id)
        if states is not None:
            q = q.where(PullRequestRow.state.in_([s.value for s in states]))
        if task_ids is not None:
            q = q.where(PullRequestRow.task_id.in_(list(task_ids)))
        if limit is not None:
            q = q.limit(limit)
        return [to_pull(r) for r in self.session.scalars(q)]

    def update_pull_request(self, task_id: str, **values: Any) -> PullRequest:
        row = self.session.get(PullRequestRow, task_id)
        if row is None:
            raise KeyError(task_id)
        for key, value in _checked(values, PR_FIELDS).items():
            setattr(row, key, value)
        self.session.flush()
        return to_pull(row)

    # ------------------------------------------------------------------ the webhook inbox
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
        """The item, or None when this delivery id was received already (a redelivery)."""
        exists = select(InboxRow.id).where(
            InboxRow.source == source, InboxRow.delivery_id == delivery_id
        )
        if self.session.scalar(exists) is not None:
            return None
        row = InboxRow(
            source=source,
            delivery_id=delivery_id,
            event=event,
            action=action,
            payload=dict(payload),
            status=status.value,
            received_at=received_at,
            processed_at=None if status is InboxStatus.PENDING else received_at,
        )
        try:
            with self.session.begin_nested():  # two racing redeliveries: one row
                self.session.add(row)
                self.session.flush()
        except IntegrityError:
            return None
        return to_item(row)

    def inbox_item(self, item_id: int) -> InboxItem | None:
        row = self.session.get(InboxRow, item_id)
        return to_item(row) if row else None

    def inbox_items(
        self,
        *,
        source: str | None = None,
        statuses: Collection[InboxStatus] | None = None,
        limit: int = 100,
        newest_first: bool = False,
    ) -> list[InboxItem]:
        order = InboxRow.id.desc() if newest_first else InboxRow.id
        q = select(InboxRow).order_by(order).limit(limit)
        if source is not None:
            q = q.where(InboxRow.source == source)
        if statuses is not None:
            q = q.where(InboxRow.status.in_([s.value for s in statuses]))
        return [to_item(r) for r in self.session.scalars(q)]

    def settle_inbox(
        self, item_id: int, *, status: InboxStatus, when: datetime, error: str | None = None
    ) -> None:
        row = self.session.get(InboxRow, item_id)
        if row is None:
            raise KeyError(item_id)
        row.status = status.value
        row.processed_at = when
        row.error = error
        self.session.flush()

    # ------------------------------------------------------------------ sync state
    def sync_state(self, tracker: str, project: str) -> SyncState | None:
        row = self.session.get(SyncStateRow, (tracker, project))
        return to_sync(row) if row else None

    def sync_states(self, tracker: str | None = None) -> list[SyncState]:
        q = select(SyncStateRow).order_by(SyncStateRow.tracker, SyncStateRow.project)
        if tracker is not None:
            q = q.where(SyncStateRow.tracker == tracker)
        return [to_sync(r) for r in self.session.scalars(q)]

    def put_sync_state(self, tracker: str, project: str, **values: Any) -> SyncState:
        row = self.session.get(SyncStateRow, (tracker, project))
        if row is None:
            row = SyncStateRow(tracker=tracker, project=project, data={})
            self.session.add(row)
        for key, value in _checked(values, SYNC_FIELDS).items():
            setattr(row, key, value)
        self.session.flush()
        return to_sync(row)
