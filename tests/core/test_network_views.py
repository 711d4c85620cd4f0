"""How `/whoknows` words what the network's use cases return: introduction requests (no database)."""

from __future__ import annotations

from dataclasses import replace

from handlers.network.views import draft_message, intro_outcome_for_asker, intro_sent_message
from models.network.introductions import ACCEPTED, PENDING, PLACEHOLDER, IntroductionDraft, IntroductionRequest
from tests.slack_driver import flatten

TO_SAM = IntroductionDraft(
    target_id=7,
    target_name="Jane Doe",
    target_job_title="CFO",
    target_company="ACME",
    intermediary_member_id=2,
    intermediary_contact_id=None,
    intermediary_name="Sam Seller",
    intermediary_slack_user_id="U2",
    intermediary_knows_target=True,
    asker_name="Ada Asker",
)


def test_a_draft_greets_the_colleague_names_the_target_and_leaves_bracketed_parts_to_write() -> None:
    """The request to a colleague greets them, names Jane, her role and company, says why them, and asks for
    the why in [brackets]."""
    message = draft_message(TO_SAM)
    assert message.startswith("Hi Sam,")
    assert "Could you introduce me to Jane Doe, CFO at ACME?" in message
    assert "you know them well" in message
    assert len(PLACEHOLDER.findall(message)) == 2
    assert message.endswith("Thank you!\nAda Asker")


def test_a_draft_to_a_contact_says_nothing_of_a_tie_it_does_not_know() -> None:
    """Through one of my contacts (Xavier), the draft greets him and names Tara, with no role or company known."""
    draft = IntroductionDraft(
        target_id=8,
        target_name="Tara Target",
        target_job_title=None,
        target_company=None,
        intermediary_member_id=None,
        intermediary_contact_id=3,
        intermediary_name="Xavier Link",
        intermediary_slack_user_id=None,
        intermediary_knows_target=False,
        asker_name="",
    )
    message = draft_message(draft)
    assert message.startswith("Hi Xavier,") and "Could you introduce me to Tara Target?" in message
    assert "know them well" not in message and message.endswith("Thank you!")


def test_a_request_through_a_contact_gone_names_them_your_contact() -> None:
    """A request whose contact no longer exists is still told, about "your contact"."""
    request = IntroductionRequest(
        id=1,
        asker_slack_user_id="U1",
        target_name="Tara Target",
        intermediary_name=None,
        to_slack_user_id=None,
        message="Could you introduce me?",
        status=PENDING,
    )
    assert "Here is your request to your contact" in flatten(intro_sent_message(request))
    decided = replace(request, status=ACCEPTED)
    assert "your contact accepted to introduce you to *Tara Target*" in flatten(intro_outcome_for_asker(decided))
