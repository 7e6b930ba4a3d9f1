"""`cco instances answer`: answer a permission question exactly (never a blind digit)."""

from __future__ import annotations

import click

from cc_orchestrator.cli.context import CliState, pass_state
from cc_orchestrator.cli.output import echo_json
from cc_orchestrator.domain.models import Instance, InstanceStatus
from cc_orchestrator.domain.questions import Answer, Question


def question_lines(q: Question) -> list[str]:
    """What is asked and what the agent offers, for `instances show` and `answer`."""
    lines = [f"asks:     {q.subject}"]
    if q.description:
        lines.append(f"          ({q.description})")
    if q.edit:
        shown = q.edit if len(q.edit) <= 400 else q.edit[:400] + "…"
        lines += [f"          | {line}" for line in shown.splitlines()]
    if q.answered:
        lines.append(f"answered: {q.answered}")
        return lines
    offers = []
    if q.channel == "hook":
        offers += ["--deny [--message TEXT]", "--allow (once)"]
    offers += [f"--choice {c.key} ({c.label})" for c in q.choices]
    if offers:
        lines.append("answer:   " + offers[0])
        lines += [f"          {o}" for o in offers[1:]]
    if q.reason:
        lines.append(f"note:     {q.reason}")
    return lines


@click.command("answer")
@click.argument("instance_id")
@click.option("--allow", "decision", flag_value="allow", help="Allow this one call, once.")
@click.option(
    "--deny", "decision", flag_value="deny", help="Deny it; the agent is told (see --message)."
)
@click.option("--choice", default=None, help="Pick one of the agent's own choices by its key.")
@click.option(
    "--message", default=None, help="With --deny: what the agent is told (Claude Code reads it)."
)
@click.option(
    "--question-id", default=None, help="Answer only if this is still the question asked."
)
@click.option("--json", "as_json", is_flag=True, help="Print the instance as JSON.")
@pass_state
def answer(
    state: CliState,
    instance_id: str,
    decision: str | None,
    choice: str | None,
    message: str | None,
    question_id: str | None,
    as_json: bool,
) -> None:
    """Answer a waiting instance's permission question: --allow (once), --deny, or --choice N.

    Without an answer, shows the question and the choices the agent offers. "Don't ask
    again" choices are only ever picked by their key. `instances send` is for prompts.
    """
    service = state.app().instances
    if decision is not None and choice is not None:
        raise click.UsageError("give one answer: --allow, --deny or --choice N")
    if decision is None and choice is None:
        if message is not None:
            raise click.UsageError("--message goes with --deny")
        service.sync()
        _show(service.get(instance_id))
        return
    ans = Answer(
        decision="choice" if choice is not None else ("allow" if decision == "allow" else "deny"),
        choice=choice,
        message=message,
        question_id=question_id,
        by="cli",
    )
    inst = service.answer(instance_id, ans)
    if as_json:
        echo_json(inst)
        return
    done = inst.question.answered if inst.question else "answered"
    click.echo(f"answered {inst.id}: {done}")


def _show(inst: Instance) -> None:
    if inst.status != InstanceStatus.WAITING_INPUT or inst.question is None:
        click.echo(f"{inst.id} is {inst.status.value}: it asks nothing")
        return
    for line in question_lines(inst.question):
        click.echo(line)
