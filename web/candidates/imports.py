"""Bulk import of candidates in two steps. Upload → preview: every row is checked and nothing is
stored; the file's bytes stay on the server under a random token. Commit: the same bytes are
read and checked again (nothing the browser posts back is trusted), then every row is stored in
one transaction, or none is."""

from __future__ import annotations

from functools import partial
from typing import Any, Optional

import sqlalchemy as sa
from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload

from models import User
from models.operations import candidates as candidate_ops
from models.operations.errors import DomainError
from models.operations.spreadsheet import UploadStore, read_table

from .. import permissions as perm
from ..config import INSTANCE_DIR
from ..errors import refusal_page
from ..extensions import db, pin_vault
from ..helpers import audit, require
from ..i18n import error_message
from ..imports import template_download
from ..transactions import after_commit
from .forms import ImportCommitForm, ImportForm

TEMPLATE = "candidates/import.html"


def uploads() -> UploadStore:
    return UploadStore(current_app.config.get("CANDIDATE_IMPORT_DIR") or INSTANCE_DIR / "uploads" / "candidates")


def _upload_form() -> ImportForm:
    form = ImportForm()
    if perm.can_decide_referrals(current_user):
        officers = db.session.scalars(
            sa.select(User)
            .where(perm.referrer_accounts(), User.active.is_(True))
            .options(joinedload(User.organisation))
            .order_by(User.name)
        )
        form.referrer.choices = [("", _("Välj handläggare"))] + [
            (str(u.id), f"{u.name} ({u.organisation.short_name})") for u in officers if u.organisation
        ]
    return form


def _referrer(chosen: Any) -> Optional[User]:
    """An officer imports as themselves, whatever the form says; a project leader names an
    active officer with a unit."""
    if perm.can_refer(current_user):
        return current_user._get_current_object()  # type: ignore[no-any-return]
    try:
        user = db.session.get(User, int(chosen))
    except (TypeError, ValueError):
        return None
    return user if user is not None and user.active and perm.can_refer(user) else None


def import_upload_view() -> Any:
    require(perm.can_import_candidates(current_user))
    form = _upload_form()
    if not form.validate_on_submit():
        return render_template(TEMPLATE, form=form)
    referrer = _referrer(form.referrer.data)
    upload = form.file.data
    if referrer is None:
        form.referrer.errors = [_("Välj vilken handläggare som remitterar personerna i filen.")]
    if not upload or not upload.filename:
        form.file.errors = [_("Välj en fil att ladda upp.")]
    if form.referrer.errors or form.file.errors:
        return render_template(TEMPLATE, form=form), 422
    data = upload.read()
    refusal_page(lambda err: _file_refused(form, err))
    preview = candidate_ops.preview_import(db.session, pin_vault(), read_table(upload.filename, data))
    if not preview.ok:  # nothing can be committed until the file is corrected and uploaded again
        return render_template(TEMPLATE, form=form, preview=preview, referrer=referrer, filename=upload.filename), 422
    token = uploads().save(data, owner_id=current_user.id, filename=upload.filename, referrer_id=referrer.id)
    commit_form = ImportCommitForm(formdata=None, token=token)
    return render_template(
        TEMPLATE, form=form, preview=preview, commit_form=commit_form, referrer=referrer, filename=upload.filename
    )


def _file_refused(form: ImportForm, refusal: DomainError) -> str:
    """The upload form again, the refusal (a file that cannot be read) on its file field."""
    form.file.errors = [error_message(refusal)]
    return render_template(TEMPLATE, form=form)


def _commit_refused(form: ImportCommitForm, preview: Any, referrer: User, filename: str, refusal: DomainError) -> str:
    return render_template(
        TEMPLATE, form=_upload_form(), preview=preview, commit_form=form, referrer=referrer, filename=filename,
        commit_error=error_message(refusal),
    )


def import_commit_view() -> Any:
    require(perm.can_import_candidates(current_user))
    form = ImportCommitForm()
    stored = uploads().load(form.token.data or "", owner_id=current_user.id) if form.validate_on_submit() else None
    referrer = _referrer(stored[1].get("referrer_id")) if stored else None
    if stored is None or referrer is None:
        flash(_("Förhandsgranskningen finns inte längre. Ladda upp filen igen."), "error")
        return redirect(url_for(".import_upload"))
    data, meta = stored
    refusal_page(partial(_commit_refused, form, None, referrer, meta["filename"]))
    preview = candidate_ops.preview_import(db.session, pin_vault(), read_table(meta["filename"], data))
    refusal_page(partial(_commit_refused, form, preview, referrer, meta["filename"]))
    referrals = candidate_ops.import_candidates(
        db.session, pin_vault(), preview, referrer=referrer, by=current_user._get_current_object(),
        skip_duplicates=bool(form.skip_duplicates.data),
    )
    audit(
        "candidates_imported", target_type="referral", count=len(referrals),
        skipped=len(preview.duplicates), referrer_id=referrer.id,
    )
    after_commit(partial(uploads().delete, form.token.data or ""))
    submitted = sum(r.status.value == "submitted" for r in referrals)
    flash(
        _("%(n)s personer är importerade: %(s)s skickade till projektledaren och %(d)s sparade som utkast.",
          n=len(referrals), s=submitted, d=len(referrals) - submitted),
        "success",
    )
    return redirect(url_for(".referrals" if perm.can_refer(current_user) else ".bank"))


def import_template_view(fmt: str) -> Any:
    require(perm.can_import_candidates(current_user))
    return template_download(
        candidate_ops.IMPORT_COLUMNS, fmt, sheet_title="Kandidater", filename="kandidatimport-mall"
    )
