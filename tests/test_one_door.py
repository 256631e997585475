"""Only apps/issued_badges/services/ creates or changes IssuedBadge rows.

Two guards: this static one reads every application module; at run time the
ORM refuses IssuedBadge writes outside ``issued_badge_writes()`` (see the model).
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOOR = ROOT / "apps" / "issued_badges" / "services"
WRITES = {"create", "bulk_create", "get_or_create", "update_or_create", "update", "bulk_update", "delete", "save"}
TABLE = "issued_badges_issuedbadge"


def _application_modules():
    for path in sorted((ROOT / "apps").rglob("*.py")):
        parts = set(path.relative_to(ROOT).parts)
        if "tests" in parts or "migrations" in parts or path.is_relative_to(DOOR):
            continue
        yield path


def _writes_to_issued_badges(tree: ast.AST) -> list[int]:
    """Line numbers of IssuedBadge(...) or IssuedBadge.<…>.<write>(...) calls, and of the table named in SQL."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id == "IssuedBadge":
                lines.append(node.lineno)
            if isinstance(func, ast.Attribute) and func.attr in WRITES:
                chain, related_manager = func.value, False
                while isinstance(chain, ast.Attribute | ast.Call):
                    if isinstance(chain, ast.Attribute) and chain.attr == "issued_badges":
                        related_manager = True  # badge.issued_badges.create(…), user.issued_badges.update(…)
                    chain = chain.value if isinstance(chain, ast.Attribute) else chain.func
                if related_manager or (isinstance(chain, ast.Name) and chain.id == "IssuedBadge"):
                    lines.append(node.lineno)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and TABLE in node.value.lower():
            lines.append(node.lineno)
        if (  # IssuedBadge._meta.db_table, for hand-written SQL
            isinstance(node, ast.Attribute)
            and node.attr == "db_table"
            and isinstance(node.value, ast.Attribute)
            and isinstance(node.value.value, ast.Name)
            and node.value.value.id == "IssuedBadge"
        ):
            lines.append(node.lineno)
    return lines


def test_no_module_but_the_door_writes_issued_badges():
    offenders = {
        str(path.relative_to(ROOT)): lines
        for path in _application_modules()
        if (lines := _writes_to_issued_badges(ast.parse(path.read_text(), filename=str(path))))
    }
    assert offenders == {}


def test_the_guard_catches_what_it_looks_for():
    samples = [
        "IssuedBadge.objects.create(badge=b, recipient=r)",
        "IssuedBadge.objects.filter(pk=1).update(revoked_at=None)",
        "IssuedBadge(badge=b).save()",
        "IssuedBadge.objects.bulk_create(rows, ignore_conflicts=True)",
        "cursor.execute('INSERT INTO issued_badges_issuedbadge VALUES (1)')",
        "cursor.execute(f'UPDATE {IssuedBadge._meta.db_table} SET revoked_at = NULL')",
        "badge.issued_badges.create(recipient=user)",
        "request.user.issued_badges.filter(pk=1).update(revoked_at=None)",
    ]
    for sample in samples:
        assert _writes_to_issued_badges(ast.parse(sample)), sample
    assert not _writes_to_issued_badges(ast.parse("IssuedBadge.objects.filter(recipient=u).count()"))


def test_the_door_itself_is_where_the_writes_are():
    for module in ("_writers.py", "revocation.py"):
        assert _writes_to_issued_badges(ast.parse((DOOR / module).read_text())), module
