"""The mediation domain's templates (``odr/mediation/templates``), for its pages and partials.

The pages themselves are routes of the tenant's web area (``odr.tenants.web.bp``); this
blueprint has no routes and only puts the templates on the loader's path.
"""

from __future__ import annotations

from flask import Blueprint

templates = Blueprint("mediation", __name__, template_folder="templates")
