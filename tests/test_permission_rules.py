"""Every access rule lives in web/permissions.py: no other module of the app compares roles or
defines a check of its own, and templates ask a `can_…` check instead of looking at the user's
role (docs/access-matrix.md).

The few places that name a role for another reason than access are listed in ALLOWED, each
with the reason; an entry that no longer matches anything fails too, so the list stays short."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
WEB = ROOT / "web"
PERMISSIONS = "web/permissions.py"
ROLE_CONSTANTS = r"\b(?:PL|WO|EMPLOYER|STEERING|ADMIN|SP)\b"

PYTHON_RULES = re.compile(
    "|".join(
        (
            r"\.role\s*(?:==|!=|\bin\b|\bnot\s+in\b)",  # user.role == …, User.role.in_ is fine
            r"\brole\s+(?:not\s+)?in\s*[(\[{]",  # role in (…)
            r"(?:==|!=)\s*[\w.]*\.role\b",  # … == user.role
            r"\bRole\.[A-Z][A-Z_]*\b",  # a role by name
            r"frozenset\(\s*\{?\s*Role\b",  # a set of roles
            r"\bhas_role\b",
            r"getattr\([^)]*[\"']role[\"']",
            rf"from\s+[.\w]*permissions\s+import\s[^\n]*{ROLE_CONSTANTS}",  # the module's role names
            rf"\bperm\.{ROLE_CONSTANTS}",
            r"^\s*def\s+(?:can|may)_\w+\(",  # a permission check of its own
        )
    )
)
TEMPLATE_RULES = re.compile(
    "|".join(
        (
            r"\brole(?:\.value)?\s*(?:==|!=)",  # current_user.role.value == 'admin'
            r"\brole(?:\.value)?\s+(?:not\s+)?in\s*[(\[{'\"]",  # role in ('admin', …)
            r"(?:==|!=)\s*[\w.]*\brole\b",  # 'admin' == role
            r"\bRole\.",
            r"\bhas_role\b",
        )
    )
)

# (file, text on the line) -> why naming a role there is not an access rule.
ALLOWED: dict[tuple[str, str], str] = {
    ("web/signoff/demo.py", "sa.select(User).where(User.role == Role.STEERING"):
        "the demo seed signs a quarter off as the demo's steering accounts (seeding data, not access)",
    ("web/admin/views.py", "if role in {r.value for r in Role}:"):
        "the account list's filter: an admin picks a role to list its accounts (data, not access)",
    ("web/admin/views.py", "stmt = stmt.where(User.role == Role(role))"):
        "the account list's filter: the accounts of the role the admin picked (data, not access)",
    ("web/templates/admin/users.html", "{% if value == role %} selected{% endif %}"):
        "the account list's filter: keeps the picked role selected in the form",
    ("web/activities/views.py", "sa.select(User).where(User.role == Role.PROJECT_LEADER, User.active)"):
        "the choices for an activity's responsible: the accounts models/operations/activities.py accepts "
        "(a domain rule there, not access)",
    ("web/visits/service.py", "sa.select(User.email).where(User.role == Role.PROJECT_LEADER, User.active)"):
        "who is emailed about a visit whose proposer is unknown: the project leaders (a recipient, not access)",
}


def _python_files() -> list[Path]:
    return sorted(p for p in WEB.rglob("*.py") if p.relative_to(ROOT).as_posix() != PERMISSIONS)


def _template_files() -> list[Path]:
    return sorted(p for p in (WEB / "templates").rglob("*") if p.suffix in (".html", ".txt"))


def _matches() -> list[tuple[str, int, str]]:
    """(file, line number, line) of every role comparison outside web/permissions.py."""
    found = []
    for files, rules in ((_python_files(), PYTHON_RULES), (_template_files(), TEMPLATE_RULES)):
        for path in files:
            name = path.relative_to(ROOT).as_posix()
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                if rules.search(line):
                    found.append((name, number, line.strip()))
    return found


def _allowed(name: str, line: str) -> bool:
    return any(name == file and text in line for file, text in ALLOWED)


def test_no_role_comparisons_outside_the_permissions_module() -> None:
    offenders = [f"{name}:{number}: {line}" for name, number, line in _matches() if not _allowed(name, line)]
    assert not offenders, (
        "Access rules live in web/permissions.py as named checks (templates ask `can_…(obj)`); move "
        "these there, or add them to ALLOWED with the reason they are not access rules:\n" + "\n".join(offenders)
    )


def test_every_allowed_role_comparison_still_exists() -> None:
    found = _matches()
    stale = [key for key in ALLOWED if not any(name == key[0] and key[1] in line for name, _n, line in found)]
    assert not stale, f"Remove these entries from ALLOWED (nothing matches them any more): {stale}"


@pytest.mark.parametrize(
    "line",
    [
        "if current_user.role == Role.EMPLOYER:",
        "require(current_user.role in (Role.PROJECT_LEADER, Role.EMPLOYER))",
        'Panel("x", frozenset({Role.ADMIN}), "x.html")',
        "roles=frozenset(Role),",
        'lambda u: getattr(u, "role", None) == "employer"',
        "if user.role is not None and user.role != wanted:",
        "from ..permissions import ADMIN, EMPLOYER, PL",
        "if perm.PL == x:",
        "if wanted == user.role:",
        "def may_see_visits(user: Any) -> bool:",
    ],
)
def test_the_python_pattern_catches_role_comparisons(line: str) -> None:
    assert PYTHON_RULES.search(line)


@pytest.mark.parametrize(
    "line",
    [
        "if perm.can_use_employer_portal(user):",
        "sa.select(User.role, sa.func.count()).group_by(User.role)",
        '"by_role": {role.value: by_role.get(role, 0) for role in Role},',
        'click.echo(f"  {user.role.value:<16} {user.email}")',
        "party = Party.EMPLOYER",
    ],
)
def test_the_python_pattern_lets_other_uses_of_roles_be(line: str) -> None:
    assert not PYTHON_RULES.search(line)


@pytest.mark.parametrize(
    "line",
    [
        "{% if current_user.role.value == 'admin' %}",
        "book='visits.new' if current_user.role.value == 'project_leader' else None",
        "{% if role == 'project_leader' %}",
        "{% if 'admin' == user.role.value %}",
        "{% if user.role in ('admin', 'steering') %}",
        "{% if current_user.role.value not in ['admin'] %}",
    ],
)
def test_the_template_pattern_catches_role_comparisons(line: str) -> None:
    assert TEMPLATE_RULES.search(line)


@pytest.mark.parametrize(
    "line",
    [
        "{{ labels.ROLE_LABELS[current_user.role.value] }}",
        "{% for role, n in ctx.by_role.items() %}",
        "{% if can_view_all_tokens() %}",
        '<nav role="navigation">',
        "{# the user guide of every role in both languages #}",
    ],
)
def test_the_template_pattern_lets_role_labels_be(line: str) -> None:
    assert not TEMPLATE_RULES.search(line)
