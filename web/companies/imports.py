"""The company import in two steps. Upload → preview: every row is checked and nothing is stored;
the file's bytes stay on the server under a random token. Commit: the same bytes are read and
checked again (nothing the browser posts back is trusted), then every company is stored in one
transaction, or none is. The reading and checking is models/operations/spreadsheet.py's."""

from __future__ import annotations

from functools import partial
from typing import Any

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from models.operations import companies as company_ops
from models.operations.errors import DomainError
from models.operations.spreadsheet import UploadStore, read_table

from ..config import INSTANCE_DIR
from ..errors import refusal_page
from ..extensions import db
from ..helpers import audit
from ..i18n import error_message
from ..imports import template_download
from ..transactions import after_commit
from .forms import ImportCommitForm, ImportForm

TEMPLATE = "companies/import.html"


def uploads() -> UploadStore:
    return UploadStore(current_app.config.get("COMPANY_IMPORT_DIR") or INSTANCE_DIR / "uploads" / "companies")


def upload_view() -> Any:
    form = ImportForm()
    if not form.validate_on_submit():
        return render_template(TEMPLATE, form=form)
    upload = form.file.data
    if not upload or not upload.filename:
        form.file.errors = [_("Välj en fil att ladda upp.")]
        return render_template(TEMPLATE, form=form), 422
    data = upload.read()
    refusal_page(partial(_file_refused, form))
    preview = company_ops.preview_import(db.session, read_table(upload.filename, data))
    token = uploads().save(data, owner_id=current_user.id, filename=upload.filename)
    commit_form = ImportCommitForm(formdata=None, token=token)
    page = render_template(TEMPLATE, form=form, preview=preview, commit_form=commit_form, filename=upload.filename)
    return page, (200 if preview.ok else 422)


def _file_refused(form: ImportForm, refusal: DomainError) -> str:
    """The upload form again, the refusal (a file that cannot be read) on its file field."""
    form.file.errors = [error_message(refusal)]
    return render_template(TEMPLATE, form=form)


def _commit_refused(form: ImportCommitForm, preview: Any, filename: str, refusal: DomainError) -> str:
    return render_template(
        TEMPLATE, form=ImportForm(formdata=None), preview=preview, commit_form=form, filename=filename,
        commit_error=error_message(refusal),
    )


def commit_view() -> Any:
    form = ImportCommitForm()
    stored = uploads().load(form.token.data or "", owner_id=current_user.id) if form.validate_on_submit() else None
    if stored is None:
        flash(_("Förhandsgranskningen finns inte längre. Ladda upp filen igen."), "error")
        return redirect(url_for("companies.import_upload"))
    data, meta = stored
    refusal_page(partial(_commit_refused, form, None, meta["filename"]))
    preview = company_ops.preview_import(db.session, read_table(meta["filename"], data))
    refusal_page(partial(_commit_refused, form, preview, meta["filename"]))
    companies = company_ops.import_companies(db.session, preview, skip_duplicates=bool(form.skip_duplicates.data))
    audit("companies_imported", target_type="company", count=len(companies), skipped=len(preview.duplicates))
    after_commit(partial(uploads().delete, form.token.data or ""))
    flash(_("%(n)s företag är importerade.", n=len(companies)), "success")
    return redirect(url_for("companies.index"))


def template_view(fmt: str) -> Any:
    return template_download(company_ops.IMPORT_COLUMNS, fmt, sheet_title="Företag", filename="foretagsimport-mall")
