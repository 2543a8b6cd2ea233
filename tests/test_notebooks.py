"""The analysts' notebooks: stored without outputs, importing only public names, and running top to
bottom headless on fresh demo data, where the follow-up notebook's own figures must equal the app's
quarterly report (SQLite, or PostgreSQL when TEST_DB=postgresql)."""

from __future__ import annotations

import ast
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
import sqlalchemy as sa
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from sqlalchemy.orm import Session

from models import Base, SurveyAnswer, SurveyInvitation, make_engine
from models.demo import seed_demo
from models.enums import GoalKind
from models.identity import PinVault
from models.operations.programme import current_programme, milestone_plan, set_milestones

from .conftest import TEST_DB, create_pg_database, drop_pg_database

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
RANKER = NOTEBOOKS / "ranker_evaluation.ipynb"
FOLLOWUP = NOTEBOOKS / "quarterly_followup.ipynb"
CELL_TIMEOUT = 120  # seconds per cell
CHECK_PASSED = "QUARTERLY CHECK PASSED"
PROJECT_PACKAGES = ("models", "matcher")

pytestmark = pytest.mark.slow


def code_cells(path: Path) -> list[dict]:
    return [cell for cell in json.loads(path.read_text(encoding="utf-8"))["cells"] if cell["cell_type"] == "code"]


@pytest.mark.parametrize("path", [RANKER, FOLLOWUP], ids=lambda p: p.name)
def test_notebook_is_stored_without_outputs(path: Path) -> None:
    stored = [
        i for i, cell in enumerate(code_cells(path)) if cell.get("outputs") or cell.get("execution_count") is not None
    ]
    assert not stored, (
        f"{path.name}: code cells {stored} hold outputs or execution counts; clear them before committing "
        "(see notebooks/README.md)"
    )


def private_names(source: str) -> list[str]:
    """Leading-underscore names a cell takes from models/ or matcher/ (imports and attributes)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in PROJECT_PACKAGES:
            found += [f"{node.module}.{a.name}" for a in node.names if a.name.startswith("_")]
            found += [node.module] if any(part.startswith("_") for part in node.module.split(".")) else []
        elif isinstance(node, ast.Import):
            found += [
                a.name for a in node.names
                if a.name.split(".")[0] in PROJECT_PACKAGES and any(p.startswith("_") for p in a.name.split("."))
            ]
        elif (
            isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
            and node.value.id in PROJECT_PACKAGES and node.attr.startswith("_") and not node.attr.startswith("__")
        ):
            found.append(f"{node.value.id}.{node.attr}")
    return found


@pytest.mark.parametrize("path", [RANKER, FOLLOWUP], ids=lambda p: p.name)
def test_notebook_uses_only_public_names_of_the_project(path: Path) -> None:
    used = [name for cell in code_cells(path) for name in private_names("".join(cell["source"]))]
    assert used == []


def test_the_private_name_check_catches_private_imports() -> None:
    source = "from matcher.evaluation import _jsonable, evaluate\nimport models._secret\nmatcher._helper()\n"
    assert private_names(source) == ["matcher.evaluation._jsonable", "models._secret", "matcher._helper"]


# --- running the notebooks ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh database with the schema and the synthetic demo partnership."""
    if TEST_DB == "postgresql":
        url = create_pg_database("iop_notebooks")
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('notebooks') / 'demo.sqlite'}"
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        seed_demo(session, PinVault([PinVault.generate_key()], PinVault.generate_key()))
        # An edited milestone, so the target line is not only the linear one the notebook derives.
        programme = current_programme(session)
        goal = programme.goal(GoalKind.PERSONS_WORKPLACE_VISIT)
        first, second = milestone_plan(programme, goal)[:2]
        set_milestones(session, goal, {second.quarter.calendar_start: first.target_to_date + 1})
        session.commit()
    engine.dispose()
    yield url
    if TEST_DB == "postgresql":
        drop_pg_database(url)


@pytest.fixture
def kernel_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """Make the kernel named "python3" this very interpreter (the venv's), whatever kernels are
    installed elsewhere: a kernelspec on JUPYTER_PATH is found before the user's and the system's."""
    spec = tmp_path / "jupyter" / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (this virtualenv)",
        "language": "python",
    }))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.delenv("IOP_DATABASE_URL", raising=False)
    return monkeypatch


def run(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Execute every cell in a fresh kernel started in notebooks/ (as Jupyter would)."""
    client = NotebookClient(
        notebook, timeout=CELL_TIMEOUT, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}
    )
    client.execute()
    return notebook


def printed(notebook: nbformat.NotebookNode) -> str:
    """Everything the cells printed or displayed as text."""
    parts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            parts.append(output.get("text", ""))
            parts.append(output.get("data", {}).get("text/plain", ""))
            parts.append(output.get("evalue", ""))
    return "\n".join(parts)


def charts(notebook: nbformat.NotebookNode) -> int:
    return sum("image/png" in output.get("data", {}) for cell in notebook.cells for output in cell.get("outputs", []))


def test_ranker_evaluation_runs_on_a_simulated_world_and_the_demo_database(
    demo_database: str, kernel_env: pytest.MonkeyPatch
) -> None:
    kernel_env.setenv("IOP_DATABASE_URL", demo_database)
    executed = run(nbformat.read(RANKER, as_version=4))
    text = printed(executed)
    assert "judged test proposals:" in text  # the simulated world was evaluated
    assert "planner over greedy:" in text
    assert "Demo database evaluated:" in text  # the database section ran instead of being skipped
    assert "is not set" not in text
    # NDCG bars, reliability, learning curve, impact ratios and the planner sweep.
    assert charts(executed) >= 5


def test_quarterly_followup_equals_the_app_report_and_writes_nothing(
    demo_database: str, kernel_env: pytest.MonkeyPatch
) -> None:
    kernel_env.setenv("IOP_DATABASE_URL", demo_database)
    executed = run(nbformat.read(FOLLOWUP, as_version=4))
    text = printed(executed)
    assert CHECK_PASSED in text
    assert "SYNTHETIC" in text  # the demo has no answers, so the notebook made (labelled) ones
    assert charts(executed) == 2  # cumulative persons vs target; paired before/after
    engine = make_engine(demo_database)
    with engine.connect() as conn:
        written = conn.scalar(sa.select(sa.func.count()).select_from(SurveyInvitation))
        written += conn.scalar(sa.select(sa.func.count()).select_from(SurveyAnswer))
    engine.dispose()
    assert written == 0


def test_quarterly_followup_fails_on_any_difference_from_the_app_report(kernel_env: pytest.MonkeyPatch) -> None:
    """Without IOP_DATABASE_URL the notebook seeds its own throwaway database; a figure changed
    before the check makes the notebook fail there, naming the figure."""
    notebook = nbformat.read(FOLLOWUP, as_version=4)
    check = next(i for i, cell in enumerate(notebook.cells) if CHECK_PASSED in cell.source)
    notebook.cells.insert(check, nbformat.v4.new_code_cell('figures.loc[figures.index[0], "new_persons"] += 1'))
    with pytest.raises(CellExecutionError) as failure:
        run(notebook)
    assert "differ from the app's report" in str(failure.value)
    assert "new_persons" in str(failure.value)
    assert "seeded a throwaway demo database" in printed(notebook)
    assert CHECK_PASSED not in printed(notebook)
