"""What the file imports (candidates, companies, commitments) share: the template download on
the web, the two steps of a one-table import on the web (`TwoStepImport`), and on the command
line (`import-candidates`, `import-companies`, `import-commitments`) reading and checking the file
with a progress bar, the report of the preview, and storing the rows (audited) only with
--commit. The domain operations decide; this only runs them and reports."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Optional, TypeVar

import click
from flask import Response, abort, current_app, flash, redirect, render_template, url_for
from flask.cli import with_appcontext
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import Session
from tqdm import tqdm

from models.operations import audit as audit_ops
from models.operations.errors import DomainError
from models.operations.spreadsheet import ColumnSpec, Preview, Table, UploadStore, read_table, write_template

from .config import INSTANCE_DIR
from .errors import refusal_page
from .extensions import db
from .helpers import audit
from .i18n import error_message
from .transactions import after_commit

R = TypeVar("R")
S = TypeVar("S")
Progress = Callable[[Iterable[Any]], Iterable[Any]]
MIMETYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",  # Flask adds "; charset=utf-8" to a text/ mimetype
}


# --- the web ----------------------------------------------------------------------------------
def template_download(columns: Sequence[ColumnSpec], fmt: str, *, sheet_title: str, filename: str) -> Response:
    """The empty template as `<filename>.<fmt>` (xlsx or csv; 404 for any other)."""
    if fmt not in MIMETYPES:
        abort(404)
    data = write_template(columns, fmt, sheet_title=sheet_title)  # type: ignore[arg-type]
    return Response(
        data,
        mimetype=MIMETYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{filename}.{fmt}"'},
    )


@dataclass(frozen=True)
class TwoStepImport:
    """A file import of one table on the web. Upload → preview: every row is checked and nothing
    is stored; the file's bytes stay on the server under a random token. Commit: the same bytes
    are read and checked again (nothing the browser posts back is trusted), then every row is
    stored in the request's one transaction, or none is (`Preview.ensure_all_or_nothing`)."""

    template: str  # the page (extends _import.html); `endpoint` is its blueprint
    endpoint: str
    upload_dir: str  # the config key of the uploads' folder
    upload_folder: str  # its default: instance/uploads/<upload_folder>
    check: Callable[[Session, Table], Preview[Any]]
    store: Callable[[Session, Preview[Any], bool], list[Any]]  # (session, preview, skip_duplicates)
    audit_action: str
    target_type: str
    done: Callable[[int], str]  # the flashed message for n stored rows
    done_endpoint: str
    columns: Sequence[ColumnSpec]
    sheet_title: str
    filename: str
    upload_form: Callable[..., Any]
    commit_form: Callable[..., Any]

    def uploads(self) -> UploadStore:
        return UploadStore(current_app.config.get(self.upload_dir) or INSTANCE_DIR / "uploads" / self.upload_folder)

    def upload_view(self) -> Any:
        form = self.upload_form()
        if not form.validate_on_submit():
            return render_template(self.template, form=form)
        upload = form.file.data
        if not upload or not upload.filename:
            form.file.errors = [_("Välj en fil att ladda upp.")]
            return render_template(self.template, form=form), 422
        data = upload.read()
        refusal_page(partial(self._file_refused, form))
        preview = self.check(db.session, read_table(upload.filename, data))
        token = self.uploads().save(data, owner_id=current_user.id, filename=upload.filename)
        commit_form = self.commit_form(formdata=None, token=token)
        page = render_template(self.template, form=form, preview=preview, commit_form=commit_form,
                               filename=upload.filename)
        return page, (200 if preview.ok else 422)

    def _file_refused(self, form: Any, refusal: DomainError) -> str:
        """The upload form again, the refusal (a file that cannot be read) on its file field."""
        form.file.errors = [error_message(refusal)]
        return render_template(self.template, form=form)

    def _commit_refused(self, form: Any, preview: Any, filename: str, refusal: DomainError) -> str:
        return render_template(
            self.template, form=self.upload_form(formdata=None), preview=preview, commit_form=form,
            filename=filename, commit_error=error_message(refusal),
        )

    def commit_view(self) -> Any:
        form = self.commit_form()
        uploads = self.uploads()
        stored = uploads.load(form.token.data or "", owner_id=current_user.id) if form.validate_on_submit() else None
        if stored is None:
            flash(_("Förhandsgranskningen finns inte längre. Ladda upp filen igen."), "error")
            return redirect(url_for(f"{self.endpoint}.import_upload"))
        data, meta = stored
        refusal_page(partial(self._commit_refused, form, None, meta["filename"]))
        preview = self.check(db.session, read_table(meta["filename"], data))
        refusal_page(partial(self._commit_refused, form, preview, meta["filename"]))
        rows = self.store(db.session, preview, bool(form.skip_duplicates.data))
        audit(self.audit_action, target_type=self.target_type, count=len(rows), skipped=len(preview.duplicates))
        after_commit(partial(uploads.delete, form.token.data or ""))
        flash(self.done(len(rows)), "success")
        return redirect(url_for(self.done_endpoint))

    def template_view(self, fmt: str) -> Any:
        return template_download(self.columns, fmt, sheet_title=self.sheet_title, filename=self.filename)


# --- the command line -------------------------------------------------------------------------
def progress_bar(desc: str, total: int) -> Progress:
    """A `progress` for the import operations: a bar over the rows that goes away when done."""

    def wrap(rows: Iterable[Any]) -> Iterable[Any]:
        return tqdm(rows, desc=desc, total=total, unit="rad", leave=False)

    return wrap


def report(preview: Preview[Any], duplicates: str) -> None:
    """The preview in a few lines; `duplicates` says what a duplicate row is ("gäller ...")."""
    click.echo(
        f"{preview.total_rows} rader lästa: {len(preview.valid_rows)} kan importeras, "
        f"{len(preview.duplicates)} {duplicates}, {preview.rows_with_errors} har fel."
    )
    for error in preview.errors:
        click.echo(f"  Rad {error.row}, {error.column or 'hela raden'}: {error.problem} {error.fix}".rstrip())
    for duplicate in preview.duplicates:
        click.echo(f"  Rad {duplicate.row}: {duplicate.message}")
    if preview.unknown_headers:
        click.echo("  Okända kolumner (lästes inte): " + ", ".join(preview.unknown_headers))


def run_import(
    file: Path,
    *,
    commit: bool,
    check: Callable[[Table, Progress], Preview[R]],
    store: Callable[[Preview[R], Progress], list[S]],
    duplicates: str,
    action: str,
    target_type: str,
    **details: Any,
) -> Optional[list[S]]:
    """Read and `check` the file and report it; with `commit`, `store` the rows, audit it as
    `action` (with the count, the skipped duplicates and `details`), commit and return what was
    stored. Without `commit` nothing is kept: None, or exit status 1 when a row has errors. A
    refusal (DomainError) rolls back and ends the command with its message."""
    session = db.session
    try:
        table = read_table(file.name, file.read_bytes())
        preview = check(table, progress_bar("Kontrollerar", len(table.rows)))
    except DomainError as err:
        session.rollback()
        raise click.ClickException(err.message) from None
    report(preview, duplicates)
    if not commit:
        session.rollback()
        click.echo("Granskning: ingenting har sparats. Kör igen med --commit för att importera.")
        if preview.errors:
            raise SystemExit(1)
        return None
    try:
        stored = store(preview, progress_bar("Importerar", len(preview.valid_rows)))
    except DomainError as err:
        session.rollback()
        raise click.ClickException(err.message) from None
    audit_ops.record(
        session, action, target_type=target_type, count=len(stored), skipped=len(preview.duplicates), **details,
        via="cli",
    )
    session.commit()
    return stored


def import_command(
    name: str,
    *,
    doc: str,
    check: Callable[[Any, Table, Progress], Preview[Any]],
    store: Callable[[Any, Preview[Any], bool, Progress], list[Any]],
    duplicates: str,
    skip_help: str,
    action: str,
    target_type: str,
    done: str,
) -> click.Command:
    """`flask --app web <name> FILE [--commit] [--skip-duplicates]`: a one-table import on the
    command line with `run_import`; `check(session, table, progress)` and
    `store(session, preview, skip_duplicates, progress)` are the domain's, `done` says how many
    were stored (`{n}`)."""

    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--commit", is_flag=True,
                  help="Spara raderna (alla eller ingen). Utan flaggan visas bara granskningen.")
    @click.option("--skip-duplicates", is_flag=True, help=skip_help)
    @with_appcontext
    def command(file: Path, commit: bool, skip_duplicates: bool) -> None:
        session = db.session
        stored = run_import(
            file,
            commit=commit,
            check=lambda table, progress: check(session, table, progress),
            store=lambda preview, progress: store(session, preview, skip_duplicates, progress),
            duplicates=duplicates,
            action=action,
            target_type=target_type,
        )
        if stored is not None:
            click.echo(done.format(n=len(stored)))

    command.__doc__ = doc
    return click.command(name)(command)
