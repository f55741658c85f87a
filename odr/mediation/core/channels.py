"""The channels of a case's stream: who may see an entry. Parties never see the other party's
caucus, nor staff notes."""

from __future__ import annotations

JOINT = "joint"
CAUCUS_INSURER = "caucus:insurer"
CAUCUS_CUSTOMER = "caucus:customer"
STAFF = "staff"
CHANNELS = (JOINT, CAUCUS_INSURER, CAUCUS_CUSTOMER, STAFF)
# The room's channels: the ones people write in (staff notes have none).
ROOM_CHANNELS = (JOINT, CAUCUS_INSURER, CAUCUS_CUSTOMER)
