"""Block Kit builders for `/whoknows`: routes, companies, choices, and introduction requests."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from handlers.kit.blockkit import truncate
from handlers.kit.blocks import Block, button, context, dm, message, section
from handlers.kit.forms import input_block, modal, text_input
from handlers.kit.mrkdwn import Mrkdwn, md, mention
from models.core.graph import IntermediaryCaution
from models.network.introductions import ACCEPTED, IntroductionDraft, IntroductionRequest
from models.network.whoknows import (
    BRIDGE_FLAGS,
    ChooseTarget,
    CompanyRoutes,
    HopView,
    NobodyKnows,
    Person,
    PersonRoutes,
    RouteView,
    TargetOption,
)

INTRO_MODAL_ID = "intro_request_modal"


_HOP_KIND = {
    "teammate": "teammate",
    "co_attendance": "met together",
    "introduction": "introduced",
    "colleague": "same company",
}


def ago(moment: datetime | None, now: datetime, zone: ZoneInfo) -> str:
    """“today”, “yesterday”, “12 days ago”, “3 months ago”: calendar days in the member's time zone."""
    if moment is None:
        return "no interaction logged"
    days = max((now.astimezone(zone).date() - moment.astimezone(zone).date()).days, 0)
    if days == 0:
        return "today"
    if days == 1:
        return "yesterday"
    if days < 60:
        return f"{days} days ago"
    if days < 730:
        return f"{days // 30} months ago"
    return f"{days // 365} years ago"


def _who(person: Person) -> Mrkdwn:
    if person.slack_user_id:
        return mention(person.slack_user_id)
    details = ", ".join(part for part in (person.job_title, person.company) if part)
    return md("*{}*", person.name) + (f" ({details})" if details else "")


def _badge(hop: HopView) -> Mrkdwn:
    if hop.bridge not in BRIDGE_FLAGS or hop.band == "strong":
        return Mrkdwn("")
    if hop.bridge == "only_way_in":
        return Mrkdwn(" :bridge_at_night: _bridge: the team's only tie into this company_")
    if hop.bridge == "bridge":
        return Mrkdwn(" :bridge_at_night: _bridge: the only way into this circle_")
    return Mrkdwn(" :bridge_at_night: _local bridge: links two circles that share no one_")


def _hop_text(hop: HopView, now: datetime, zone: ZoneInfo) -> Mrkdwn:
    figures = f"{hop.band} {hop.strength:.2f}"
    if hop.kind == "tie" and hop.last_interaction_at is None:
        figures += ", reach: connected, never contacted"
    elif hop.kind == "tie":
        figures += f", last {ago(hop.last_interaction_at, now, zone)}"
    else:
        figures += f", {_HOP_KIND.get(hop.kind, hop.kind)}"
    return md("{} ({}){}{}", _who(hop.to), figures, _badge(hop), _caution(hop))


#: Why a route through this contact falls in the ranking (the rating of whoever holds the tie: the asker or a colleague).
CAUTIONS = {
    IntermediaryCaution.BAD_JOB: "rated “a bad job”: a poor intermediary",
    IntermediaryCaution.CLOSE_FRIEND: "rated “a very close friend”: asking may look like nepotism",
}


def _caution(hop: HopView) -> Mrkdwn:
    return md(" :warning: _{}_", CAUTIONS[hop.caution]) if hop.caution else Mrkdwn("")


def route_caution(route: RouteView) -> str:
    """Why the route fell in the ranking, in words ("" when nothing makes its intermediary a poor one)."""
    return next((CAUTIONS[hop.caution] for hop in route.hops if hop.caution), "")


def route_text(route: RouteView, number: int, now: datetime, zone: ZoneInfo) -> Mrkdwn:
    if route.is_direct:
        hop = route.hops[0]
        if hop.last_interaction_at is None:
            return md(
                "*{}. You are connected to {}*: no conversation logged yet, so no strength to vouch with.",
                str(number),
                hop.to.name,
            )
        return md(
            "*{}. You know {}*: last interaction {}, strength {:.2f} ({}){}",
            str(number),
            hop.to.name,
            ago(hop.last_interaction_at, now, zone),
            hop.strength,
            hop.band,
            _badge(hop),
        )
    path = Mrkdwn(" → ").join(_hop_text(hop, now, zone) for hop in route.hops)
    return md("*{}.* You → {}\n_chance the introduction works: {:.2f}_", str(number), path, route.chance)


def _intro_button(target_id: int, route: RouteView) -> dict[str, Any]:
    person = route.intermediary
    assert person is not None
    value = {"t": target_id, "m": person.id} if person.kind == "member" else {"t": target_id, "c": person.id}
    first = person.name.split()[0] if person.name else "them"
    return button(f"Ask {first} for an intro", "whoknows_intro", json.dumps(value))


def person_routes_message(result: PersonRoutes, now: datetime, zone: ZoneInfo) -> dict[str, Any]:
    target = result.target
    blocks: list[Block] = []
    if not result.routes:
        blocks.append(section(md(":mag: Nobody on the team knows {} yet.", _who(target))))
        if result.known_at_company:
            names = Mrkdwn(", ").join(_who(p) for p in result.known_at_company)
            blocks.append(
                section(md("At {}, the team knows {}: they may know {}.", target.company or "", names, target.name))
            )
        blocks.append(
            context("When you meet them, log it with `/logcall " + target.name + " …` and the route starts with you.")
        )
        return message(blocks, fallback=f"Nobody on the team knows {target.name} yet.")
    count = f"{result.total} route" + ("s" if result.total != 1 else "")
    where = ", ".join(part for part in (target.job_title, target.company) if part)
    title = f"*Routes to {target.name}*" + (f" ({where})" if where else "")
    blocks.append(section(f":busts_in_silhouette: {title} · {count}, best first"))
    reach_heading_shown = False
    for index, route in enumerate(result.routes, start=result.offset + 1):
        if route.is_reach and not reach_heading_shown:
            blocks.append(
                context(
                    "Through reach: connections nobody on the team has talked to yet. Weaker than any relationship above."
                )
            )
            reach_heading_shown = True
        block = section(route_text(route, index, now, zone))
        if not route.is_direct:
            block["accessory"] = _intro_button(target.id, route)
        blocks.append(block)
    shown_to = result.offset + len(result.routes)
    if shown_to < result.total:
        more = json.dumps({"t": target.id, "o": shown_to})
        blocks.append(
            {
                "type": "actions",
                "block_id": "whoknows_more",
                "elements": [button(f"More routes ({result.total - shown_to})", "whoknows_more", more)],
            }
        )
    blocks.append(
        context("Chance = the product of the strengths of the links. Only names, strength bands and dates are shown.")
    )
    return message(blocks, fallback=f"{count} to {target.name}")


def company_message(result: CompanyRoutes, now: datetime, zone: ZoneInfo) -> dict[str, Any]:
    blocks: list[Block] = []
    if result.people:
        people = "person" if result.known_count == 1 else "people"
        head = md(
            ":office: *{}*{}: the team knows {} {} there",
            result.company,
            _tags(result.tags),
            result.known_count,
            people,
        )
        blocks.append(section(head))
        for entry in result.people:
            text = _who(entry.person)
            if entry.best is not None:
                best = entry.best
                hop = best.hops[0]
                if best.is_direct:
                    text += md(
                        "\nYou know them: strength {:.2f} ({}), last {}",
                        hop.strength,
                        hop.band,
                        ago(hop.last_interaction_at, now, zone),
                    )
                else:
                    text += md("\nBest route via {}: chance {:.2f}", _who(hop.to), best.chance)
            block = section(text)
            block["accessory"] = button(
                "Routes", "whoknows_target", json.dumps({"k": "contact", "id": entry.person.id})
            )
            blocks.append(block)
    else:
        blocks.append(section(f":office: Nobody on the team knows anyone at *{result.company}* yet."))
    if result.to_build:
        names = Mrkdwn(", ").join(_who(p) for p in result.to_build)
        blocks.append(section(md(":seedling: *New relationships to build at {}:* {}", result.company, names)))
    blocks.append(context("Ask someone who knows the company who is most concerned, and to be referred."))
    return message(blocks, fallback=f"Who the team knows at {result.company}")


def choose_target_message(result: ChooseTarget, action: str = "whoknows_target") -> dict[str, Any]:
    """Which person or company was meant: one button each, whose action is `action` (and its number)."""
    elements = [
        button(option_label(option), f"{action}_{index}", json.dumps({"k": option.kind, "id": option.id}))
        for index, option in enumerate(result.options)
    ]
    blocks: list[Block] = [
        section(f":thinking_face: Several people or companies could be “{truncate(result.query, 200)}”. Which one?"),
        {"type": "actions", "block_id": "whoknows_choose", "elements": elements},
    ]
    return message(blocks, fallback=f"Which “{result.query}”?")


def option_label(option: TargetOption) -> str:
    """A person with their company ("Jane Doe · ACME"), or a company said to be one ("ACME (company)")."""
    if option.kind == "account":
        return f"{option.name} (company)"
    return option.name + (f" · {option.detail}" if option.detail else "")


def nobody_knows_message(result: NobodyKnows) -> dict[str, Any]:
    query = "that company" if result.query is None else result.query
    blocks: list[Block] = [section(f":mag: Nobody on the team knows “{truncate(query, 200)}” yet.")]
    if result.nearest:
        nearest = ", ".join(f"*{option_label(option)}*" for option in result.nearest)
        blocks.append(section("The nearest the team does know: " + nearest))
    blocks.append(
        context("To start, log your first conversation: `/logcall " + truncate(query, 100) + " (Company) phone today`.")
    )
    return message(blocks, fallback=f"Nobody knows {query} yet")


def draft_message(draft: IntroductionDraft) -> str:
    """A personal request, pre-filled with what is known; the [bracketed] parts are for the asker to write."""
    first_name = draft.intermediary_name.split()[0] if draft.intermediary_name else "there"
    role = f", {draft.target_job_title}" if draft.target_job_title else ""
    company = f" at {draft.target_company}" if draft.target_company else ""
    lines = [f"Hi {first_name},", ""]
    lines.append(f"Could you introduce me to {draft.target_name}{role}{company}?")
    if draft.intermediary_knows_target:
        lines.append("I see you know them well, which is why I'm asking you rather than writing to them cold.")
    lines.append("I'd like to talk to them about [why you want to meet them].")
    lines.append("For them it could be worth it because [the value for them: a problem you solve, an idea].")
    lines.append("I'm happy to send you a short note you can forward.")
    lines += ["", "Thank you!", draft.asker_name or ""]
    return "\n".join(lines).rstrip()


def intro_modal(draft: IntroductionDraft, private_metadata: str) -> dict[str, Any]:
    to = (
        mention(draft.intermediary_slack_user_id)
        if draft.intermediary_slack_user_id
        else md("*{}*", draft.intermediary_name)
    )
    how = (
        "They will get it as a direct message, with Accept and Decline."
        if draft.intermediary_slack_user_id
        else "Send it to them yourself (email, phone); then record how it went."
    )
    request = text_input("message", multiline=True, initial=draft_message(draft), max_length=2500)
    blocks = [
        section(md("Ask {} to introduce you to *{}*. {}", to, draft.target_name, how)),
        input_block("message", "Your request (make it personal)", request),
    ]
    return modal(INTRO_MODAL_ID, "Ask for an intro", blocks, submit="Send", private_metadata=private_metadata)


def intro_dm(request: IntroductionRequest) -> dict[str, Any]:
    """What the teammate receives: the personal request, with Accept and Decline."""
    value = str(request.id)
    blocks: list[Block] = [
        section(
            md(
                ":handshake: {} asks you for an introduction to *{}*:",
                mention(request.asker_slack_user_id),
                request.target_name,
            )
        ),
        section("\n".join("> " + line for line in truncate(request.message, 2800).splitlines())),
        {
            "type": "actions",
            "block_id": f"intro_{request.id}",
            "elements": [
                button("Accept", "intro_accept", value, style="primary"),
                button("Decline", "intro_decline", value),
            ],
        },
    ]
    return dm(blocks, fallback=f"An introduction request about {request.target_name}")


def intro_sent_message(request: IntroductionRequest) -> dict[str, Any]:
    if request.to_slack_user_id:
        head: str = md(
            ":outbox_tray: Sent to {}: you'll hear here when they answer.", mention(request.to_slack_user_id)
        )
        blocks: list[Block] = [section(head)]
    else:
        head = (
            f":outbox_tray: Here is your request to {_intermediary(request)}: send it to them, then record how it went."
        )
        blocks = [
            section(head),
            section("\n".join("> " + line for line in truncate(request.message, 2800).splitlines())),
            {
                "type": "actions",
                "block_id": f"intro_{request.id}",
                "elements": [
                    button("They introduced us", "intro_accept", str(request.id), style="primary"),
                    button("It didn't work out", "intro_decline", str(request.id)),
                ],
            },
        ]
    return message(blocks, fallback=head)


def intro_decided_message(request: IntroductionRequest) -> dict[str, Any]:
    accepted = request.status == ACCEPTED
    text = (
        f":white_check_mark: Introduction to *{request.target_name}* recorded: {request.target_name} is now a relationship to build."
        if accepted
        else f":ok_hand: Recorded: no introduction to *{request.target_name}* this time."
    )
    if request.duplicate:
        text = f":information_source: Already answered: {request.status}."
    return message([section(text)], fallback=text, replace_original=True)


def intro_outcome_for_asker(request: IntroductionRequest) -> dict[str, Any]:
    verb = "accepted to introduce you to" if request.status == ACCEPTED else "can't introduce you to"
    text = f":handshake: {_intermediary(request)} {verb} *{request.target_name}*."
    return dm([section(text)], fallback=text.replace("*", ""))


def _intermediary(request: IntroductionRequest) -> str:
    return request.intermediary_name or "your contact"


def _tags(tags: tuple[str, ...]) -> str:
    return (" " + " ".join(f"#{tag}" for tag in tags)) if tags else ""
