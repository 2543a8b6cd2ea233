"""The ledger import in two steps, like the company import: upload → preview (every row checked,
the rows of one line and month added up, nothing stored; the bytes stay on the server under a
random token) → commit (the same bytes read and checked again, then every line and month of the
file set in one transaction, or none)."""

from __future__ import annotations

from functools import partial
from typing import Any

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from models import Programme
from models.operations import budget as budget_ops
from models.operations.errors import DomainError
from models.operations.spreadsheet import UploadStore, read_table

from ..config import INSTANCE_DIR
from ..errors import form_on_page, refusal_page
from ..extensions import db
from ..helpers import audit
from ..i18n import error_message
from ..imports import template_download
from ..transactions import after_commit
from .forms import LedgerCommitForm, LedgerUploadForm

TEMPLATE = "budget/import.html"


def uploads() -> UploadStore:
    return UploadStore(current_app.config.get("LEDGER_IMPORT_DIR") or INSTANCE_DIR / "uploads" / "ledger")


def _page(programme: Programme, form: Any, **context: Any) -> str:
    preview = context.get("preview")
    totals = budget_ops.ledger_totals(preview) if preview is not None and preview.ok else []
    return render_template(TEMPLATE, form=form, programme=programme, totals=totals, **context)


def upload_view(programme: Programme) -> Any:
    form = LedgerUploadForm()
    if not form.validate_on_submit():
        return _page(programme, form)
    upload = form.file.data
    if not upload or not upload.filename:
        form.file.errors = [_("Välj en fil att ladda upp.")]
        return _page(programme, form), 422
    data = upload.read()
    form_on_page(form, lambda: _page(programme, form), rename={"": "file"})
    preview = budget_ops.preview_ledger(programme, read_table(upload.filename, data))
    token = uploads().save(data, owner_id=current_user.id, filename=upload.filename, programme_id=programme.id)
    commit_form = LedgerCommitForm(formdata=None, token=token)
    page = _page(programme, form, preview=preview, commit_form=commit_form, filename=upload.filename)
    return page, (200 if preview.ok else 422)


def _commit_refused(programme: Programme, form: Any, preview: Any, filename: str, refusal: DomainError) -> str:
    return _page(programme, LedgerUploadForm(formdata=None), preview=preview, commit_form=form, filename=filename,
                 commit_error=error_message(refusal))


def commit_view(programme: Programme) -> Any:
    form = LedgerCommitForm()
    stored = uploads().load(form.token.data or "", owner_id=current_user.id) if form.validate_on_submit() else None
    if stored is None or stored[1].get("programme_id") != programme.id:
        flash(_("Förhandsgranskningen finns inte längre. Ladda upp filen igen."), "error")
        return redirect(url_for("budget.import_upload", programme_id=programme.id))
    data, meta = stored
    refusal_page(partial(_commit_refused, programme, form, None, meta["filename"]))
    preview = budget_ops.preview_ledger(programme, read_table(meta["filename"], data))
    refusal_page(partial(_commit_refused, programme, form, preview, meta["filename"]))
    totals = budget_ops.import_ledger(db.session, programme, preview, by=current_user)
    audit("ledger_imported", programme, rows=len(preview.valid_rows), months=len({t.month for t in totals}))
    after_commit(partial(uploads().delete, form.token.data or ""))
    flash(_("Kostnaderna är importerade: %(n)s belopp för budgetposter och månader.", n=len(totals)), "success")
    return redirect(url_for("budget.index", programme_id=programme.id))


def template_view(fmt: str) -> Any:
    return template_download(budget_ops.LEDGER_COLUMNS, fmt, sheet_title="Kostnader", filename="kostnadsimport-mall")
