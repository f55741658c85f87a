"""Object keys, built from identifiers only: never from a file name a person chose."""

from __future__ import annotations

import re
from uuid import UUID

KEY_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*$")
TENANTS_PREFIX = "tenants/"


def document_key(tenant: int | UUID, case: UUID, document: UUID, version: UUID) -> str:
    """``tenants/<tenant>/cases/<case>/documents/<document>/<version>``.

    :param document: the id shared by every version of one document
    :param version: the id of this version (unique, so two uploads never write one key)
    """
    return f"{TENANTS_PREFIX}{tenant}/cases/{case}/documents/{document}/{version}"


def checked_key(key: str) -> str:
    """The key, if it is one of ours: relative, no empty, dot-leading or ``..`` parts."""
    if not KEY_PATTERN.match(key) or ".." in key.split("/"):
        raise ValueError(f"not a storage key: {key!r}")
    return key
