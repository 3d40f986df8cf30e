"""What a mail says about where it goes: the reply token in its recipients.

The token itself is the case's (``cases.replies``: given when the case is filed, rotated by an
agent, looked up by ``case_for_reply_token``); the gateway only reads it in an address."""

from __future__ import annotations

from collections.abc import Iterable

from guichet.cases.replies import inbound_address


def reply_token_in(recipients: Iterable[str]) -> str | None:
    """The token of the first recipient that is a reply address of the inbound mailbox."""
    inbound = inbound_address()
    if inbound is None:
        return None
    local, domain = inbound
    for address in recipients:
        mailbox_part, _at, address_domain = address.strip().lower().rpartition("@")
        base, plus, token = mailbox_part.partition("+")
        if plus and base == local and address_domain == domain and token:
            return token
    return None
