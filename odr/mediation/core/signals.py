"""How one capability reacts to another without importing it: the kernel's signals.

A capability sends a signal where something happened; another connects a receiver in its
``register(app)``. Receivers run in the sender's transaction, with its session: they flush,
never commit, and a refusal they raise rolls the whole change back.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# ``send(session, case=, previous=, target=, actor=)``: a case moved from ``previous`` to ``target``.
state_changed = _signals.signal("case-state-changed")

# ``send(session, case=, actor=, accepted=)``: a party answered an offer (a rejection counts towards
# the stalemate trigger of the deadlines; an acceptance ends a run of rejections).
offer_answered = _signals.signal("offer-answered")

# ``send(session, case=, actor=, amount_minor=, currency=, terms=, source=, source_id=)``: the parties
# agreed a settlement: an accepted offer (source "offer"), a mediator's proposal both accepted
# ("proposal") or a blind-bidding round that settled ("blind_bid"). ``terms`` is a list of
# ``{"kind", "text"}``. The agreements capability drafts the settlement agreement from it.
settlement_reached = _signals.signal("settlement-reached")
