"""The contract-list import of commitments, in the two steps every table import takes
(web/imports.py's `TwoStepImport`); the rows are checked by models/operations/commitments.py."""

from __future__ import annotations

from flask_babel import ngettext

from models.operations import commitments as commitment_ops

from ..imports import TwoStepImport
from .forms import ImportCommitForm, ImportForm

COMMITMENT_IMPORT = TwoStepImport(
    template="commitments/import.html",
    endpoint="commitments",
    upload_dir="COMMITMENT_IMPORT_DIR",
    upload_folder="commitments",
    check=commitment_ops.preview_import,
    store=lambda session, preview, skip: commitment_ops.import_commitments(session, preview, skip_duplicates=skip),
    audit_action="commitments_imported",
    target_type="commitment",
    done=lambda n: ngettext("%(num)s åtagande är importerat.", "%(num)s åtaganden är importerade.", n),
    done_endpoint="commitments.index",
    columns=commitment_ops.IMPORT_COLUMNS,
    sheet_title="Åtaganden",
    filename="ataganden-mall",
    upload_form=ImportForm,
    commit_form=ImportCommitForm,
)
