"""The company import in two steps (web/imports.py's `TwoStepImport`): upload → preview, every
row checked and nothing stored; commit, the same bytes checked again and every company stored
in one transaction, or none. The reading and checking is models/operations/spreadsheet.py's."""

from __future__ import annotations

from flask_babel import gettext as _

from models.operations import companies as company_ops

from ..imports import TwoStepImport
from .forms import ImportCommitForm, ImportForm

COMPANY_IMPORT = TwoStepImport(
    template="companies/import.html",
    endpoint="companies",
    upload_dir="COMPANY_IMPORT_DIR",
    upload_folder="companies",
    check=company_ops.preview_import,
    store=lambda session, preview, skip: company_ops.import_companies(session, preview, skip_duplicates=skip),
    audit_action="companies_imported",
    target_type="company",
    done=lambda n: _("%(n)s företag är importerade.", n=n),
    done_endpoint="companies.index",
    columns=company_ops.IMPORT_COLUMNS,
    sheet_title="Företag",
    filename="foretagsimport-mall",
    upload_form=ImportForm,
    commit_form=ImportCommitForm,
)
upload_view = COMPANY_IMPORT.upload_view
commit_view = COMPANY_IMPORT.commit_view
template_view = COMPANY_IMPORT.template_view
