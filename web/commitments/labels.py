"""Labels of the commitments' vocabularies, and of the audit actions this area writes."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from models.operations import vocabularies

from ..labels import AUDIT_ACTION_LABELS, labels_of

SOURCE_LABELS = labels_of(vocabularies.COMMITMENT_SOURCE)
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
