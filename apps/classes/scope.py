"""Who may issue badges in a class, and to which of its students (DESIGN §1 and rule 3).

The issuing door and the Choose Student(s) dialog both ask this one function.
"""

from __future__ import annotations

from dataclasses import dataclass

from apps.organizations.querysets import administered_organization_ids

from .models import ClassInstructor, Classroom


@dataclass(frozen=True)
class IssuerScope:
    permitted: bool
    # None: every enrolled student; otherwise only enrolled students of this home organization.
    student_organization_id: int | None = None
    is_administrator: bool = False

    def covers(self, student_organization_id: int | None) -> bool:
        return self.permitted and (
            self.student_organization_id is None or student_organization_id == self.student_organization_id
        )


def issuer_scope(actor, classroom: Classroom) -> IssuerScope:
    """Administrators of the class's organization and contract instructors: every enrolled student.
    An organization instructor of the class: enrolled students of their own organization.
    Anyone else: nobody.
    """
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return IssuerScope(permitted=False)
    if classroom.organization_id in administered_organization_ids(actor):
        return IssuerScope(permitted=True, is_administrator=True)
    if not ClassInstructor.objects.filter(classroom=classroom, instructor=actor).exists():
        return IssuerScope(permitted=False)
    if actor.is_contract_instructor:
        return IssuerScope(permitted=True)
    return IssuerScope(permitted=True, student_organization_id=actor.organization_id or -1)
