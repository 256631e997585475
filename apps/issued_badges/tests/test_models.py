"""The database guarantees behind issued badges: once per recipient, reasons on revocation, an append-only log."""

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.accounts.tests.factories import UserFactory
from apps.badges.tests.factories import BadgeFactory
from apps.issued_badges.models import IssuanceLog, IssuedBadge, issued_badge_writes

pytestmark = pytest.mark.django_db


def _issue(badge, recipient, **kwargs):
    kwargs.setdefault("source", IssuedBadge.Source.ROSTER)
    with issued_badge_writes():
        return IssuedBadge.objects.create(badge=badge, recipient=recipient, issued_at=timezone.now(), **kwargs)


def test_the_database_rejects_a_second_row_for_the_same_badge_and_recipient():
    badge, student = BadgeFactory(), UserFactory()
    _issue(badge, student)
    with pytest.raises(IntegrityError), transaction.atomic():
        _issue(badge, student, source=IssuedBadge.Source.ACHIEVEMENT)
    assert IssuedBadge.objects.filter(badge=badge, recipient=student).count() == 1


def test_a_revoked_row_still_blocks_a_new_one():
    badge, student = BadgeFactory(), UserFactory()
    _issue(badge, student, revoked_at=timezone.now(), revocation_reason="Issued by mistake")
    with pytest.raises(IntegrityError), transaction.atomic():
        _issue(badge, student)


def test_same_badge_to_two_students_and_two_badges_to_one_student_are_fine():
    badge, other_badge, student, other_student = BadgeFactory(), BadgeFactory(), UserFactory(), UserFactory()
    _issue(badge, student)
    _issue(badge, other_student)
    _issue(other_badge, student)
    assert IssuedBadge.objects.count() == 3


def test_a_revocation_needs_a_reason():
    with pytest.raises(IntegrityError), transaction.atomic():
        _issue(BadgeFactory(), UserFactory(), revoked_at=timezone.now())


def test_every_issued_badge_gets_its_own_opaque_public_id():
    first, second = _issue(BadgeFactory(), UserFactory()), _issue(BadgeFactory(), UserFactory())
    assert first.uuid != second.uuid
    assert len(str(first.uuid)) == 36


def test_the_issuance_log_is_append_only():
    entry = IssuanceLog.objects.create(created_at=timezone.now(), action=IssuanceLog.Action.FAILED, reason="x")
    entry.reason = "changed"
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(TypeError):
        IssuanceLog.objects.update(reason="changed")
    with pytest.raises(TypeError):
        IssuanceLog.objects.all().delete()
    assert IssuanceLog.objects.get().reason == "x"


def test_the_orm_refuses_to_write_issued_badges_outside_the_services():
    badge, student = BadgeFactory(), UserFactory()
    with pytest.raises(PermissionError):
        IssuedBadge.objects.create(badge=badge, recipient=student, issued_at=timezone.now(), source="roster")
    with pytest.raises(PermissionError):
        badge.issued_badges.create(recipient=student, issued_at=timezone.now(), source="roster")
    row = _issue(badge, student)
    row.source = "api"
    for write in (
        row.save,
        row.delete,
        IssuedBadge.objects.all().delete,
        lambda: IssuedBadge.objects.update(source="api"),
    ):
        with pytest.raises(PermissionError):
            write()
    row.refresh_from_db()
    assert row.source == "roster" and IssuedBadge.objects.count() == 1
