"""Answering a waiting instance's permission question, exactly.

Two channels (measured with Claude Code 2.1.330, see docs/instances.md):

- hook: the agent's hook waits (`instances.answer_wait_s`) for a decision its adapter hands
  over (Claude Code: a file named after the question's id); allow or deny (with a message the
  model reads) is then the agent's own structured decision: no keystroke, nothing written to
  any settings file.
- keys: the dialog's own options read from the screen; a key is typed only when the dialog
  drawn right now was read whole and is about the same command or file as the question
  answered, and only a key read from it.

Anything else is a Conflict with a clear message, and nothing is typed.
"""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from cc_orchestrator.domain import events
from cc_orchestrator.domain.errors import CcoError, Conflict, InvalidInput
from cc_orchestrator.domain.models import Instance, InstanceStatus
from cc_orchestrator.domain.questions import Answer, Choice, Question
from cc_orchestrator.logs import get_logger

if TYPE_CHECKING:
    from cc_orchestrator.services.instances import InstanceService

log = get_logger("cco.answers")
S = InstanceStatus
# how long after a question appears cco keeps trying to read its dialog on each pass
READ_FOR_S = 15.0
NOT_SEEN = (
    "cco did not see what it asks (no hook told it): answer in the terminal"
    " (cco instances attach ID)"
)


def refresh(
    svc: InstanceService, inst: Instance, question: Question | None, now: datetime
) -> Question | None:
    """The question of an instance waiting on a live pane, with its choices read from the
    screen once the dialog is drawn, and the hook channel closed once the hook gave up.
    None when nothing changed (or the agent is no longer configured: nothing can be read)."""
    adapter = svc.known_agent(inst.agent)
    if adapter is None:
        return None
    if question is None:
        return adapter.unseen_question(inst.id, now)
    if question.answered or not adapter.reads_choices_on_screen():
        return None
    fresh = question
    try:
        asked = float(question.id)
    except ValueError:
        asked = 0.0
    if not question.choices and now.timestamp() - asked < READ_FOR_S:
        try:
            screen = svc.mux.capture(inst.session_name)
        except CcoError:
            screen = ""
        choices, _ = adapter.read_choices(screen, question)
        if choices:
            fresh = fresh.with_choices(choices, None)
    elif not question.choices and question.reason and question.reason.endswith(" yet"):
        fresh = fresh.with_choices((), question.reason[: -len(" yet")])
    if fresh.channel == "hook" and fresh.hook_until and now.timestamp() >= fresh.hook_until:
        channel = "keys" if fresh.choices else "none"
        why = fresh.reason
        if channel == "none":
            why = f"{fresh.reason or 'no choices were read'}: answer in the terminal"
            why += f" (cco instances attach {inst.id})"
        fresh = replace(fresh, channel=channel, reason=why)
    return fresh if fresh != question else None


def answer(svc: InstanceService, key: str, ans: Answer) -> Instance:
    """Answer the question the instance waits on (allow once / deny / one of its choices)."""
    if ans.message is not None and ans.decision != "deny":
        raise InvalidInput("a message goes with a denial only", hint="use --deny --message TEXT")
    if ans.decision == "choice" and not ans.choice:
        raise InvalidInput("name the choice: --choice N (its key, as `instances show` lists)")
    inst = svc.get(key)
    with svc.locks.hold(f"answer:{inst.id}"):
        svc.sync(only=[inst.id], returning=False)
        inst = svc.get(inst.id)
        q = _open_question(inst, ans)
        adapter = svc.agents(inst.agent)
        hook_open = q.channel == "hook" and (q.hook_until or 0) > time.time()
        picked: Choice
        via: Literal["hook", "keys"]
        if ans.decision in ("allow", "deny") and hook_open:
            allow = ans.decision == "allow"
            adapter.answer_by_hook(svc.files(inst.id), q, allow, ans.message)
            picked = Choice(
                key=ans.decision,
                label="Allow once" if allow else "Deny",
                kind="allow_once" if allow else "deny",
            )
            via = "hook"
        else:
            picked = _read_and_type(svc, inst, q, ans)
            via = "keys"
        done = f"{picked.label} ({via})"
        answered = replace(q, answered=done)
        with svc.store.write() as tx:
            inst = tx.update_instance(inst.id, question=answered.to_json())
            tx.append_event(
                events.instance_answered(inst, question=q, answer=ans, picked=picked, via=via)
            )
        log.info("instance.answered", instance_id=inst.id, choice=picked.key, via=via, by=ans.by)
        return inst


def _open_question(inst: Instance, ans: Answer) -> Question:
    if inst.status != S.WAITING_INPUT:
        raise Conflict(
            f"instance {inst.id} is not waiting for an answer (it is {inst.status.value})",
            hint="nothing was typed; `cco instances list` shows who waits",
        )
    q = inst.question
    if q is None or (q.channel == "none" and not q.choices):
        why = (q.reason if q is not None else None) or NOT_SEEN
        raise Conflict(
            f"cco cannot answer instance {inst.id}: {why.replace('ID', inst.id)}",
            hint=f"answer in the terminal: cco instances attach {inst.id}",
        )
    if ans.question_id is not None and ans.question_id != q.id:
        raise Conflict(
            f"instance {inst.id} asks another question now ({q.subject})",
            hint="nothing was typed; read the new question and answer that one",
        )
    if q.answered:
        raise Conflict(
            f"instance {inst.id}'s question was already answered: {q.answered}",
            hint="wait for the agent to go on",
        )
    return q


def _read_and_type(svc: InstanceService, inst: Instance, q: Question, ans: Answer) -> Choice:
    """Re-read the dialog right now; type only a key read from it for this very question."""
    adapter = svc.agents(inst.agent)
    hint = f"answer in the terminal: cco instances attach {inst.id}"
    if ans.message is not None:
        raise InvalidInput(
            f"instance {inst.id}'s hook no longer waits: a message cannot reach the agent now",
            hint="deny without --message, then tell it with `cco instances send`",
        )
    try:
        screen = svc.mux.capture(inst.session_name)
    except CcoError as exc:
        raise Conflict(f"cannot read instance {inst.id}'s screen: {exc}", hint=hint) from None
    choices, why = adapter.read_choices(screen, q)
    if not choices:
        raise Conflict(f"cco will not type into instance {inst.id}'s dialog: {why}", hint=hint)
    if ans.decision == "choice":
        found = [c for c in choices if c.key == ans.choice]
        if not found:
            offered = ", ".join(f"{c.key} ({c.label})" for c in choices)
            raise InvalidInput(
                f"instance {inst.id} offers no choice {ans.choice!r}", hint=f"it offers {offered}"
            )
        picked = found[0]
    else:
        kind = "allow_once" if ans.decision == "allow" else "deny"
        matching = [c for c in choices if c.kind == kind]
        if len(matching) != 1:
            word = "Yes" if kind == "allow_once" else "No"
            raise Conflict(
                f"instance {inst.id}'s dialog has no single {word!r} choice",
                hint=hint,
            )
        picked = matching[0]
    known = {c.key: c.label for c in q.choices}
    if known and known.get(picked.key) != picked.label:
        raise Conflict(
            f"instance {inst.id}'s dialog changed since its choices were shown",
            hint="nothing was typed; read its question again",
        )
    svc.mux.send_keys(inst.session_name, *adapter.choice_keys(picked))
    return picked
