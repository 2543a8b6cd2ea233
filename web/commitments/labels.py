"""Labels of the commitments' vocabularies, and of the audit actions this area writes."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..labels import AUDIT_ACTION_LABELS

SOURCE_LABELS = {
    "procurement": _l("Upphandlat avtal (sysselsättningsfrämjande villkor)"),
    "land_lease": _l("Mark-, tomträtts- eller arrendeavtal"),
    "social_agreement": _l("Social överenskommelse"),
    "pledge": _l("Frivilligt åtagande"),
}
KIND_LABELS = {
    "visits": _l("Arbetsplatsbesök"),
    "shadowing_days": _l("Skuggningsdagar"),
    "internships": _l("Praktikplatser"),
    "hires": _l("Anställningar"),
}
AUDIT_ACTION_LABELS.update(
    {
        "commitment_created": _l("Åtagande registrerat"),
        "commitment_updated": _l("Åtagande ändrat"),
        "commitment_deleted": _l("Åtagande borttaget"),
        "commitments_imported": _l("Åtaganden importerade"),
        "commitments_exported": _l("Åtaganden exporterade"),
        "commitment_weight_set": _l("Vikt för åtaganden i förslagen ändrad"),
    }
)
