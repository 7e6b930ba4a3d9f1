"""The fake Jira's objects as Jira's REST API v3 shows them (users, statuses, issues with the
fields asked for, comments, transitions, remote links), and Jira's error bodies."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from tests.support.fake_jira_state import (
    CATEGORIES,
    JSON,
    PRIORITIES,
    Comment,
    Issue,
    RemoteLink,
    State,
    Status,
    Transition,
    jira_time,
)

#: every field an issue of the fake has (``*all`` and ``*navigable`` give them all)
ALL_FIELDS = (
    "summary",
    "description",
    "status",
    "labels",
    "priority",
    "project",
    "issuetype",
    "issuelinks",
    "comment",
    "reporter",
    "resolution",
    "created",
    "updated",
)
NOT_FOUND = "Issue does not exist or you do not have permission to see it."


def errors(*messages: str, **by_field: str) -> JSON:
    """Jira's ErrorCollection."""
    return {"errorMessages": list(messages), "errors": dict(by_field)}


@dataclass(frozen=True)
class Site:
    web: str  # https://your-domain.atlassian.net (the browse URLs)
    api: str  # where /rest/api/3 is (the site, or api.atlassian.com/ex/jira/<cloud id>)
    account_id: str
    email: str
    display_name: str

    def rest(self, path: str) -> str:
        return f"{self.api}/rest/api/3{path}"


def _avatars(account: str) -> JSON:
    base = "https://avatar-management--avatars.us-west-2.prod.public.atl-paas.net/initials"
    return {
        size: f"{base}/{account[:2].upper()}-0.png?size={size[:2]}"
        for size in ("48x48", "24x24", "16x16", "32x32")
    }


def user_details(site: Site) -> JSON:
    return {
        "self": site.rest(f"/user?accountId={site.account_id}"),
        "accountId": site.account_id,
        "emailAddress": site.email,
        "avatarUrls": _avatars(site.account_id),
        "displayName": site.display_name,
        "active": True,
        "timeZone": "Etc/UTC",
        "accountType": "atlassian",
    }


def myself(site: Site) -> JSON:
    return {
        **user_details(site),
        "locale": "en_US",
        "groups": {"size": 1, "items": []},
        "applicationRoles": {"size": 1, "items": []},
        "expand": "groups,applicationRoles",
    }


def status(site: Site, known: Status) -> JSON:
    cid, name, colour = CATEGORIES[known.category]
    return {
        "self": site.rest(f"/status/{known.id}"),
        "description": "",
        "iconUrl": f"{site.web}/images/icons/statuses/generic.png",
        "name": known.name,
        "id": known.id,
        "statusCategory": {
            "self": site.rest(f"/statuscategory/{cid}"),
            "id": cid,
            "key": known.category,
            "colorName": colour,
            "name": name,
        },
    }


def _priority(site: Site, name: str) -> JSON:
    number = PRIORITIES.index(name) + 1 if name in PRIORITIES else 3
    return {
        "self": site.rest(f"/priority/{number}"),
        "iconUrl": f"{site.web}/images/icons/priorities/{name.lower()}.svg",
        "name": name,
        "id": str(number),
    }


def _issuetype(site: Site) -> JSON:
    return {
        "self": site.rest("/issuetype/10001"),
        "id": "10001",
        "description": "A small, distinct piece of work.",
        "iconUrl": f"{site.web}/images/icons/issuetypes/task.svg",
        "name": "Task",
        "subtask": False,
        "avatarId": 10318,
        "hierarchyLevel": 0,
    }


def _project(site: Site, state: State, key: str) -> JSON:
    pid = state.projects[key]
    return {
        "self": site.rest(f"/project/{pid}"),
        "id": pid,
        "key": key,
        "name": key.title(),
        "projectTypeKey": "software",
        "simplified": False,
        "avatarUrls": {"48x48": f"{site.web}/rest/api/3/universal_avatar/view/type/project"},
    }


def linked(site: Site, state: State, other: Issue) -> JSON:
    return {
        "id": other.id,
        "key": other.key,
        "self": site.rest(f"/issue/{other.id}"),
        "fields": {
            "summary": other.summary,
            "status": status(site, state.statuses[other.status]),
            "priority": _priority(site, other.priority),
            "issuetype": _issuetype(site),
        },
    }


BLOCKS = {"id": "10000", "name": "Blocks", "inward": "is blocked by", "outward": "blocks"}


def issuelinks(site: Site, state: State, issue: Issue) -> list[JSON]:
    """The issue's "Blocks" links as Jira puts them in ``fields.issuelinks``: the other side
    only (outwardIssue: what this one blocks; inwardIssue: what blocks this one)."""
    found = []
    kind = {**BLOCKS, "self": site.rest(f"/issueLinkType/{BLOCKS['id']}")}
    for link in state.links:
        if issue.key not in (link.blocker, link.blocked):
            continue
        outward = link.blocker == issue.key
        other = state.live(link.blocked if outward else link.blocker)
        if other is None:
            continue
        side = "outwardIssue" if outward else "inwardIssue"
        entry = {"id": link.id, "self": site.rest(f"/issueLink/{link.id}"), "type": kind}
        found.append({**entry, side: linked(site, state, other)})
    return found


def comment(site: Site, issue: Issue, made: Comment) -> JSON:
    author = user_details(site)
    return {
        "self": site.rest(f"/issue/{issue.id}/comment/{made.id}"),
        "id": made.id,
        "author": author,
        "body": made.body,
        "updateAuthor": author,
        "created": jira_time(made.created),
        "updated": jira_time(made.updated),
        "jsdPublic": True,
    }


def comment_page(site: Site, issue: Issue, comments: list[Comment], start: int, size: int) -> JSON:
    return {
        "startAt": start,
        "maxResults": size,
        "total": len(comments),
        "comments": [comment(site, issue, c) for c in comments[start : start + size]],
    }


def field_value(site: Site, state: State, issue: Issue, name: str) -> Any:
    if name == "summary":
        return issue.summary
    if name == "description":
        return issue.description
    if name == "status":
        return status(site, state.statuses[issue.status])
    if name == "labels":
        return list(issue.labels)
    if name == "priority":
        return _priority(site, issue.priority)
    if name == "project":
        return _project(site, state, issue.project)
    if name == "issuetype":
        return _issuetype(site)
    if name == "issuelinks":
        return issuelinks(site, state, issue)
    if name == "reporter":
        return user_details(site)
    if name == "resolution":
        if issue.resolution is None:
            return None
        return {"self": site.rest("/resolution/10000"), "id": "10000", "name": issue.resolution}
    if name == "comment":
        page = comment_page(site, issue, issue.comments, 0, len(issue.comments))
        return {**page, "self": site.rest(f"/issue/{issue.id}/comment")}
    if name in ("created", "updated"):
        return jira_time(getattr(issue, name))
    raise KeyError(name)


def wanted_fields(asked: Iterable[str] | None, default: str) -> list[str]:
    """The fields a ``fields`` parameter names (comma-separated, repeatable): ``*all``,
    ``*navigable``, names, ``-name`` to leave one out; unknown names are left out, as Jira
    does."""
    names = [n.strip() for raw in (asked or [default]) for n in raw.split(",") if n.strip()]
    chosen: list[str] = []
    for name in names:
        if name in ("*all", "*navigable"):
            chosen += [f for f in ALL_FIELDS if f not in chosen]
        elif name in (*ALL_FIELDS, "id", "key") and name not in chosen:
            chosen.append(name)
    gone = {n[1:] for n in names if n.startswith("-")}
    return [f for f in chosen if f not in gone]


def issue_json(site: Site, state: State, issue: Issue, fields: list[str]) -> JSON:
    """An issue with these fields (``id`` alone: just its id, as the search gives by
    default)."""
    if fields == ["id"]:
        return {"id": issue.id}
    return {
        "expand": "renderedFields,names,schema,operations,editmeta,changelog,"
        "versionedRepresentations",
        "id": issue.id,
        "self": site.rest(f"/issue/{issue.id}"),
        "key": issue.key,
        "fields": {f: field_value(site, state, issue, f) for f in fields if f not in ("id", "key")},
    }


def transition(site: Site, state: State, made: Transition, current: str) -> JSON:
    return {
        "id": made.id,
        "name": made.name,
        "to": status(site, state.statuses[made.to]),
        "hasScreen": False,
        "isGlobal": made.sources is None,
        "isInitial": False,
        "isAvailable": made.available_from(current),
        "isConditional": False,
        "isLooped": False,
    }


def remote_link(site: Site, issue: Issue, link: RemoteLink) -> JSON:
    out: JSON = {"id": link.id, "self": site.rest(f"/issue/{issue.key}/remotelink/{link.id}")}
    if link.global_id is not None:
        out["globalId"] = link.global_id
    if link.application is not None:
        out["application"] = link.application
    if link.relationship is not None:
        out["relationship"] = link.relationship
    out["object"] = link.object
    return out
