"""What a web worker loads when the app is built (issue #12: worker memory ≤ 300 MB).

Each gunicorn worker builds the app itself, so every module imported at start-up is resident in
every worker. The libraries below serve no page a worker answers in the ordinary course; they
are imported where they are used, and this test keeps it so (each one is a few MB per worker,
matplotlib alone tens of MB).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

NOT_AT_START = {
    "matcher.planner": "the quarterly planner (SciPy's MILP solver): imported by matcher.plan when called",
    "matcher.diversity": "a network meeting's selection (SciPy's MILP solver): imported when one is proposed",
    "matcher.simulate": "synthetic worlds: notebooks, tests and benchmarks only",
    "matcher.evaluation": "model evaluation: train-ranker only",
    "matcher.cli": "the matcher command line",
    "matplotlib": "the report chart: imported by web/reports/chart.py when one is drawn",
    "openpyxl": "spreadsheet imports and exports",
    "alembic": "the `flask db` commands (web/cli.py)",
    "icalendar": "invitations by mail and the calendar feed (web/calendar.py)",
    "markdown_it": "the user guides under /hjalp (web/main/views.py)",
}

BUILD_APP = """
import json, sys
from web import create_app
app = create_app({"DATABASE_URL": "sqlite://", "RATELIMIT_ENABLED": False})
print(json.dumps({
    "areas": sorted(app.blueprints),
    "ranking": "matching.offer_recommendations" in app.view_functions,
    "loaded": sorted(sys.modules),
}))
"""


def test_building_the_app_leaves_out_what_no_page_needs() -> None:
    result = subprocess.run([sys.executable, "-c", BUILD_APP], cwd=ROOT, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    built = json.loads(result.stdout.strip().splitlines()[-1])
    # the areas that use these libraries are registered: they are left out, not missing
    assert {"matching", "reports", "visits", "api-docs"} <= set(built["areas"]), built["areas"]
    assert built["ranking"]
    loaded = set(built["loaded"])
    assert "matcher.ranker" in loaded  # what the recommendation pages do need is there
    imported = {name: why for name, why in NOT_AT_START.items()
                if name in loaded or any(m.startswith(name + ".") for m in loaded)}
    assert not imported, f"imported when the app is built, in every worker: {imported}"
