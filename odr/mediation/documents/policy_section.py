"""The documents' limits on the tenant's policy page: the largest file, and the kinds of file accepted."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from odr.mediation.documents.services import DEFAULT_MAX_BYTES
from odr.storage.types import DEFAULT_CATEGORIES
from odr.tenants.policy_settings import Kind, Section, Setting

CATEGORY_WORDS = {
    "pdf": _l("PDF"), "image": _l("Photos and images"), "office": _l("Office documents and e-mails"),
    "text": _l("Plain text"), "audio": _l("Sound recordings"), "video": _l("Video recordings"),
}


def section() -> Section:
    """The largest document and the kinds accepted; a change applies to uploads after it."""
    return Section(
        key="documents", order=40, title=_l("Documents"),
        description=_l("What parties may upload. A change applies to uploads after it; documents already "
                       "shared stay."),
        settings=(
            Setting("documents.max_bytes", _l("The largest file"),
                    _l("A larger file is refused with a message that says the limit."),
                    Kind.MEGABYTES, DEFAULT_MAX_BYTES, 1, 500),
            Setting("documents.categories", _l("Kinds of file accepted"),
                    _l("A file's kind is read from its content, not its name."),
                    Kind.CHOICES, list(DEFAULT_CATEGORIES),
                    choices=tuple((c, CATEGORY_WORDS.get(c, c)) for c in DEFAULT_CATEGORIES)),
        ),
    )
