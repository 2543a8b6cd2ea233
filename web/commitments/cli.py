"""`flask --app web import-commitments FILE [--commit] [--skip-duplicates]`: the contract-list
import from the command line, with the same checks as the web import and a progress bar."""

from __future__ import annotations

from models.operations import commitments as commitment_ops

from ..imports import import_command

import_commitments = import_command(
    "import-commitments",
    doc="Import commitments from an .xlsx or .csv contract list with the template's Swedish columns.",
    check=lambda session, table, progress: commitment_ops.preview_import(session, table, progress=progress),
    store=lambda session, preview, skip, progress: commitment_ops.import_commitments(
        session, preview, skip_duplicates=skip, progress=progress
    ),
    duplicates="gäller avtal som redan är registrerade",
    skip_help="Hoppa över rader med avtal som redan är registrerade.",
    action="commitments_imported",
    target_type="commitment",
    done="{n} åtaganden importerade.",
)

commands = [import_commitments]
