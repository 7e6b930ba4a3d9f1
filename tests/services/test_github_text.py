"""What cco writes on GitHub and reads from issues: dependencies named in a body, the status
comment, a PR's body, and what an agent is told of CI and reviews."""

from __future__ import annotations

from cc_orchestrator.adapters.github.tracker import dependencies_in
from cc_orchestrator.domain.github import GhCheck, GhReview, GhReviewComment
from cc_orchestrator.domain.links import IssueLink, PullRequest, PullState
from cc_orchestrator.domain.models import Task, TaskStatus
from cc_orchestrator.services.github_text import (
    FEEDBACK_MAX,
    ci_feedback,
    marker,
    pr_body,
    review_feedback,
    status_comment,
)


def test_dependencies_named_in_an_issue_body() -> None:
    body = "Depends on #12\nblocked by #3, #4 and #5\nRequires: #7\nsee #99 (not a dependency)"
    assert dependencies_in(body) == [3, 4, 5, 7, 12]
    assert dependencies_in("") == []
    assert dependencies_in("depends on nothing, fixes #2") == []


def task(**values: object) -> Task:
    base: dict[str, object] = {
        "id": "t1",
        "title": "Fix",
        "prompt": "do it",
        "status": TaskStatus.REVIEW,
    }
    return Task(**{**base, **values})  # type: ignore[arg-type]


def test_the_status_comment_carries_its_marker_and_no_mention() -> None:
    pr = PullRequest("t1", "acme/w", "cco/fix", "main", PullState.OPEN, 3, "u", "abc", "failure")
    body = status_comment(
        task(status_reason="ping @octocat", branch="cco/fix", cost_usd=0.5), pr, "https://cco.x"
    )
    assert marker("t1") in body and "#3 (open, checks failure)" in body
    assert "@octocat" not in body and "$0.50" in body
    assert "https://cco.x/#/tasks/t1" in body


def test_a_pull_request_body_closes_its_issue() -> None:
    link = IssueLink("t1", "github", "acme/w", "12", "https://github.com/acme/w/issues/12")
    body = pr_body(task(diff_stat=" a.txt | 1 +"), link, None)
    assert "Closes #12" in body and "a.txt | 1 +" in body and marker("t1") in body


def test_feedback_is_bounded_and_keeps_the_log_tail() -> None:
    check = GhCheck(1, "tests", "completed", "failure", job_id=5)
    log = "x" * 100_000 + "\nthe real error\n"
    text = ci_feedback(3, [(check, log)], 4000, 1, 3)
    assert "the real error" in text and "round 1 of 3" in text
    assert len(text) <= FEEDBACK_MAX and "x" * 5000 not in text
    review = GhReview(
        9, "CHANGES_REQUESTED", "please", "rev", (GhReviewComment("a.py", 4, "rename", "rev"),)
    )
    said = review_feedback(3, review, 2, 3)
    assert "a.py:4: rename" in said and "please" in said and "round 2 of 3" in said
