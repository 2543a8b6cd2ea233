"""`flask --app web import-companies FILE [--commit] [--skip-duplicates]`: the company import
from the command line, with the same checks as the web import and a progress bar."""

from __future__ import annotations

from models.operations import companies as company_ops

from ..imports import import_command

import_companies = import_command(
    "import-companies",
    doc="Import companies from an .xlsx or .csv file with the template's Swedish columns.",
    check=lambda session, table, progress: company_ops.preview_import(session, table, progress=progress),
    store=lambda session, preview, skip, progress: company_ops.import_companies(
        session, preview, skip_duplicates=skip, progress=progress
    ),
    duplicates="gäller företag som redan finns",
    skip_help="Hoppa över rader med företag som redan finns.",
    action="companies_imported",
    target_type="company",
    done="{n} företag importerade.",
)

commands = [import_companies]
