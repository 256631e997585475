"""Writes for activity records: one recorded by hand, or a CSV file imported whole or not at all.

Invariants: a record's target is the one its kind needs (a lab for lab_launched / lab_completed, a course
for course_completed, a learning path with a final exam for exam_passed, none for points), points are 0 or
more and ``occurred_at`` lies between 1970 and now. A record is unique by its natural key (user, kind, target,
occurred_at, and an award's points; the database's ``activity_natural_key``): recording it again is refused with
``ActivityAlreadyRecorded``, and an import skips such rows — repeated within the file or already stored —
and counts them as "already recorded", so importing a file twice writes it once and no points count twice.
An import resolves usernames among the active users of the actor's administered organizations and codes
among those organizations' catalog only, validates every row, and writes all new ones in one transaction
(``bulk_create``) or, if any row is wrong, nothing.
Side effects: the ``activity_recorded`` signal, in the same transaction, for the students recorded: the
achievements app evaluates them as soon as it commits (the hourly run is the backstop).
"""

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.db import IntegrityError, transaction
from django.db.models.functions import Upper
from django.utils import timezone

from apps.accounts.models import User
from apps.core.csv_export import spreadsheet_text
from apps.courses.models import Course, Lab, LearningPath

from .models import NATURAL_KEY_COLUMNS, ActivityKind, ActivityRecord, natural_key
from .selectors import activity_courses, activity_labs, activity_students
from .signals import activity_recorded

# The target field each kind needs (None: no target).
TARGET_FIELD: dict[str, str | None] = {
    ActivityKind.LAB_LAUNCHED: "lab",
    ActivityKind.LAB_COMPLETED: "lab",
    ActivityKind.COURSE_COMPLETED: "course",
    ActivityKind.EXAM_PASSED: "learning_path",
    ActivityKind.POINTS: None,
}
MAX_POINTS = 2_147_483_647  # PositiveIntegerField's ceiling on PostgreSQL
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 10_000
MAX_ERRORS_SHOWN = 50
COLUMNS = ("username", "kind", "reference", "points", "occurred_at")
KEY_LOOKUP_USERS = 500  # students per query when looking for the file's records already stored


class ActivityAlreadyRecorded(ValueError):
    """The activity is already recorded (same student, kind, target and time): nothing was written."""


def occurred_at_problem(occurred_at: datetime, *, now: datetime | None = None) -> str:
    """Why ``occurred_at`` cannot be recorded ("" when it can)."""
    if occurred_at > (now or timezone.now()):
        return "is in the future"
    if occurred_at < EARLIEST:
        return "is before 1970"
    return ""


def activity_record_create(
    *,
    student: User,
    kind: str,
    occurred_at: datetime,
    points: int = 0,
    course: Course | None = None,
    lab: Lab | None = None,
    learning_path: LearningPath | None = None,
) -> ActivityRecord:
    """Record one activity of ``student`` (the caller checked that the actor may: see the form).

    Raises ValueError when the target does not match the kind, points are negative or the date is
    out of range; nothing is written then.
    """
    targets = {"course": course, "lab": lab, "learning_path": learning_path}
    needed = TARGET_FIELD.get(kind, "?")
    if needed == "?":
        raise ValueError(f"Unknown activity kind {kind!r}.")
    for name, target in targets.items():
        if (name == needed) != (target is not None):
            raise ValueError(f"{kind} needs {needed or 'no target'}, got {name}={target!r}.")
    if learning_path is not None and not learning_path.has_exam:
        raise ValueError(f"Learning path {learning_path} has no final exam.")
    if not 0 <= points <= MAX_POINTS:
        raise ValueError("Points must be 0 or more.")
    if problem := occurred_at_problem(occurred_at):
        raise ValueError(f"The activity {problem}.")
    record = ActivityRecord(user=student, kind=kind, points=points, occurred_at=occurred_at, **targets)
    try:
        with transaction.atomic():  # the unique natural key decides, also between two simultaneous requests
            record.save(force_insert=True)
            activity_recorded.send(sender=ActivityRecord, user_ids=[student.pk])
    except IntegrityError:
        if not _stored_keys([record]):
            raise
        target = course or lab or learning_path
        what = record.get_kind_display() + (f" “{target.title}”" if target else "")
        when = f"{timezone.localtime(occurred_at):%Y-%m-%d at %H:%M}"
        raise ActivityAlreadyRecorded(
            f"{what} for {student.display_name} on {when} is already recorded: nothing was added."
        ) from None
    return record


def _stored_keys(records: list[ActivityRecord]) -> set[tuple]:
    """The natural keys of ``records`` that are already stored: one indexed read per 500 students (the
    student's history between the earliest and latest time of theirs in ``records``)."""
    spans: dict[int, list[datetime]] = {}
    for record in records:
        span = spans.setdefault(record.user_id, [record.occurred_at, record.occurred_at])
        span[0], span[1] = min(span[0], record.occurred_at), max(span[1], record.occurred_at)
    wanted, stored = {record.natural_key() for record in records}, set()
    users = sorted(spans)
    for start in range(0, len(users), KEY_LOOKUP_USERS):
        chunk = users[start : start + KEY_LOOKUP_USERS]
        earliest, latest = min(spans[u][0] for u in chunk), max(spans[u][1] for u in chunk)
        found = ActivityRecord.objects.filter(
            user_id__in=chunk, occurred_at__gte=earliest, occurred_at__lte=latest
        ).values_list(*NATURAL_KEY_COLUMNS)
        stored.update(key for values in found.order_by() if (key := natural_key(*values)) in wanted)
    return stored


@dataclass(frozen=True)
class ActivityImportResult:
    """What an import did: ``imported`` new records and ``already_recorded`` rows skipped (stored before, or
    repeated within the file), or the ``errors`` (one per problem, "Line N: …") and nothing written."""

    imported: int = 0
    errors: tuple[str, ...] = ()
    already_recorded: int = 0

    @property
    def summary(self) -> str:
        """“3 activity records imported; 2 already recorded (skipped).”"""
        text = f"{self.imported} activity record{'' if self.imported == 1 else 's'} imported"
        return text + (f"; {self.already_recorded} already recorded (skipped)." if self.already_recorded else ".")

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def shown_errors(self) -> tuple[str, ...]:
        return self.errors[:MAX_ERRORS_SHOWN]

    @property
    def more_errors(self) -> int:
        return max(0, len(self.errors) - MAX_ERRORS_SHOWN)


class _FileError(Exception):
    """The file as a whole cannot be read: one message, no per-line report."""


@dataclass
class _Row:
    line: int
    values: dict[str, str] = field(default_factory=dict)
    problem: str = ""
    noun: str = "Line"  # how messages name it: a file's line, an API call's item

    @property
    def where(self) -> str:
        return f"{self.noun} {self.line}"


def _quoted(value: str) -> str:
    return f"“{value[:60]}…”" if len(value) > 60 else f"“{value}”"


def _read_rows(content: bytes) -> list[_Row]:
    """The data rows of a CSV file with a header row naming COLUMNS in any order (extra columns ignored)."""
    if len(content) > MAX_BYTES:
        raise _FileError("The file is larger than 2 MB: split it into smaller files.")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _FileError("The file is not UTF-8 text: save it as “CSV UTF-8” and upload it again.") from None
    if "\x00" in text:
        raise _FileError("The file is not a CSV text file.")
    if not text.strip():
        raise _FileError("The file is empty.")
    first_line = text.lstrip().split("\n", 1)[0]
    # Spreadsheets set to a comma-decimal locale save with semicolons.
    delimiter = ";" if ";" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[_Row] = []
    header: list[str] | None = None
    try:
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue  # blank lines, and the ",,,," rows spreadsheets leave at the end
            if header is None:
                header = [cell.strip().lower() for cell in cells]
                missing = [name for name in COLUMNS if name not in header]
                if missing:
                    raise _FileError(
                        "The first row must name the columns " + ", ".join(COLUMNS) + " (in any order); "
                        f"missing: {', '.join(missing)}."
                    )
                twice = sorted({name for name in COLUMNS if header.count(name) > 1})
                if twice:
                    raise _FileError(f"The header row names {', '.join(twice)} more than once.")
                continue
            if len(rows) == MAX_ROWS:
                raise _FileError(f"The file has more than {MAX_ROWS:,} rows: split it into smaller files.")
            row = _Row(line=reader.line_num)
            if len(cells) != len(header):
                row.problem = f"Line {row.line}: {len(cells)} values where the header row has {len(header)}."
            else:
                row.values = {name: spreadsheet_text(cells[header.index(name)].strip()) for name in COLUMNS}
            rows.append(row)
    except csv.Error as exc:
        raise _FileError(f"Line {reader.line_num}: the file is not valid CSV ({exc}).") from None
    if header is None:
        raise _FileError("The file is empty.")
    if not rows:
        raise _FileError("The file has a header row but no activity rows.")
    return rows


class _Catalog:
    """Usernames and codes of the rows, resolved in a handful of queries within the actor's organizations."""

    def __init__(self, actor: User, rows: Iterable[_Row]):
        usernames, course_codes, lab_codes, path_codes = set(), set(), set(), set()
        for row in rows:
            if not row.values:
                continue
            usernames.add(row.values["username"])
            course, _, lab = row.values["reference"].upper().partition("/")
            course_codes.add(course)
            lab_codes.add(lab)
            path_codes.add(course)
        self.student = activity_students(user=actor).by_username(usernames)
        self.courses = self._group(
            activity_courses(user=actor).annotate(key=Upper("code")).filter(key__in=course_codes),
            lambda c: c.key,
            lambda c: c.organization,
        )
        self.labs = self._group(
            activity_labs(user=actor)
            .annotate(course_key=Upper("course__code"), key=Upper("code"))
            .filter(course_key__in=course_codes, key__in=lab_codes),
            lambda lab: (lab.course_key, lab.key),
            lambda lab: lab.course.organization,
        )
        # Every path, exam or not: one without an exam is named as such rather than "unknown".
        self.paths = self._group(
            LearningPath.objects.administered_by(actor)
            .select_related("organization")
            .annotate(key=Upper("code"))
            .filter(key__in=path_codes),
            lambda p: p.key,
            lambda p: p.organization,
        )

    @staticmethod
    def _group(objects, key, organization) -> dict:
        grouped: dict = {}
        for obj in objects:
            obj.owner = organization(obj)
            grouped.setdefault(key(obj), []).append(obj)
        return grouped


def _target(catalog: _Catalog, kind: str, reference: str, where: str) -> tuple[dict, str]:
    """The target fields of a row of ``kind``, or the reason there is none."""
    needed = TARGET_FIELD[kind]
    if needed is None:
        if reference:
            return {}, f"{where}: reference must be empty for points (found {_quoted(reference)})."
        return {}, ""
    what = {"course": "a course code", "lab": "COURSECODE/LABCODE", "learning_path": "a learning path code"}[needed]
    if not reference:
        return {}, f"{where}: reference is missing: {kind} needs {what}."
    key = reference.upper()
    if needed == "lab":
        course_code, slash, lab_code = key.partition("/")
        if not (slash and course_code and lab_code):
            return {}, f"{where}: reference {_quoted(reference)} must be COURSECODE/LABCODE for {kind}."
        found, noun = catalog.labs.get((course_code, lab_code), []), "lab"
    elif needed == "course":
        found, noun = catalog.courses.get(key, []), "course"
    else:
        found, noun = catalog.paths.get(key, []), "learning path"
    if not found:
        return {}, f"{where}: unknown {noun} {_quoted(reference)}."
    if len(found) > 1:
        owners = " and ".join(sorted(str(obj.owner) for obj in found))
        return {}, f"{where}: {noun} {_quoted(reference)} is ambiguous: it exists in {owners}."
    target = found[0]
    if needed == "learning_path" and not target.has_exam:
        return {}, f"{where}: learning path {_quoted(reference)} has no final exam."
    return {needed: target}, ""


def _occurred_at(text: str, where: str, now: datetime) -> tuple[datetime | None, str]:
    if not text:
        return None, f"{where}: occurred_at is missing."
    try:
        occurred_at = datetime.fromisoformat(text)
    except ValueError:
        return None, (
            f"{where}: occurred_at {_quoted(text)} is not an ISO date or date-time "
            "(e.g. 2026-03-01 or 2026-03-01T14:30)."
        )
    if timezone.is_naive(occurred_at):
        occurred_at = timezone.make_aware(occurred_at, timezone.get_default_timezone())
    if problem := occurred_at_problem(occurred_at, now=now):
        return None, f"{where}: occurred_at {_quoted(text)} {problem}."
    return occurred_at, ""


def _record(catalog: _Catalog, row: _Row, now: datetime) -> tuple[ActivityRecord | None, list[str]]:
    """The record a row describes, or every problem with it."""
    values, where, errors = row.values, row.where, []
    student = catalog.student(values["username"])
    if not values["username"]:
        errors.append(f"{where}: username is missing.")
    elif student is None:
        errors.append(f"{where}: unknown username {_quoted(values['username'])}.")
    kind, target = values["kind"].lower(), {}
    if kind not in TARGET_FIELD:
        shown = f"unknown kind {_quoted(values['kind'])}" if values["kind"] else "kind is missing"
        errors.append(f"{where}: {shown}; use one of {', '.join(TARGET_FIELD)}.")
    else:
        target, problem = _target(catalog, kind, values["reference"], where)
        if problem:
            errors.append(problem)
    points = values["points"] or "0"
    if not re.fullmatch(r"[0-9]+", points):
        errors.append(f"{where}: points must be a whole number of 0 or more.")
    elif len(points) > 10 or int(points) > MAX_POINTS:
        errors.append(f"{where}: points must be at most {MAX_POINTS:,}.")
    occurred_at, problem = _occurred_at(values["occurred_at"], where, now)
    if problem:
        errors.append(problem)
    if errors:
        return None, errors
    return ActivityRecord(user=student, kind=kind, points=int(points), occurred_at=occurred_at, **target), []


def activity_import_csv(*, actor: User, content: bytes) -> ActivityImportResult:
    """Import the activity rows of a CSV file (``content``: its bytes) on ``actor``'s organizations' catalog.

    Columns, header row required, any order: username, kind, reference, points, occurred_at. Every row
    is validated; a file with any error imports nothing and gets every problem back, line by line. A row whose
    activity is already stored, or repeated on an earlier line, is skipped and counted, not an error.
    """
    try:
        rows = _read_rows(content)
    except _FileError as exc:
        return ActivityImportResult(errors=(str(exc),))
    catalog, now = _Catalog(actor, rows), timezone.now()
    records, errors = [], []
    for row in rows:
        if row.problem:
            errors.append(row.problem)
            continue
        record, problems = _record(catalog, row, now)
        errors.extend(problems)
        if record is not None:
            records.append(record)
    if errors:
        return ActivityImportResult(errors=tuple(errors))
    with transaction.atomic():
        seen = _stored_keys(records)
        new = []
        for record in records:
            if record.natural_key() not in seen:
                seen.add(record.natural_key())
                new.append(record)
        # A simultaneous import of the same rows: the unique key makes the loser skip them, not fail.
        ActivityRecord.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)
        if new:
            activity_recorded.send(sender=ActivityRecord, user_ids=sorted({record.user_id for record in new}))
    return ActivityImportResult(imported=len(new), already_recorded=len(records) - len(new))


# --- Activity posted through the API: each item validated on its own, the valid ones stored --------------------

API_FIELDS = ("username", "kind", "course", "lab", "learning_path", "points", "occurred_at")
TARGET_FIELDS = ("course", "lab", "learning_path")


@dataclass(frozen=True)
class ItemResult:
    """One posted item: "recorded", "already_recorded" (stored before, or earlier in the same call) or
    "invalid" with its errors (nothing stored for it)."""

    status: str
    errors: tuple[str, ...] = ()


def activity_records_post(*, actor, items: list) -> list[ItemResult]:
    """Record the valid items of ``items`` (dicts of API_FIELDS; targets by code, a lab as COURSECODE/LABCODE)
    for the students of ``actor``'s organizations, as an import would, and say what happened to each. Unlike an
    import, one invalid item does not stop the others. A few queries however many items."""
    rows = [_api_row(number, item) for number, item in enumerate(items, start=1)]
    catalog, now = _Catalog(actor, [row for row in rows if not row.problem]), timezone.now()
    results: list[ItemResult | None] = [None] * len(rows)
    records: dict[int, ActivityRecord] = {}
    for index, row in enumerate(rows):
        record, problems = (None, [row.problem]) if row.problem else _record(catalog, row, now)
        if problems:
            results[index] = ItemResult("invalid", tuple(problems))
        else:
            records[index] = record
    with transaction.atomic():
        seen, new = _stored_keys(list(records.values())), []
        for index, record in records.items():
            if record.natural_key() in seen:
                results[index] = ItemResult("already_recorded")
            else:
                seen.add(record.natural_key())
                new.append(record)
                results[index] = ItemResult("recorded")
        ActivityRecord.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)
        if new:
            activity_recorded.send(sender=ActivityRecord, user_ids=sorted({record.user_id for record in new}))
    return results


def _api_row(number: int, item) -> _Row:
    """An item as the import's row (its values as text), or its problem with the item as a whole."""
    row = _Row(line=number, noun="Item")
    if not isinstance(item, dict):
        row.problem = f"{row.where}: must be an object with {', '.join(API_FIELDS)}."
        return row
    if unknown := sorted(set(item) - set(API_FIELDS)):
        row.problem = f"{row.where}: fields not accepted: {', '.join(unknown)}."
        return row
    given = [name for name in TARGET_FIELDS if item.get(name) not in (None, "")]
    kind = item.get("kind")
    needed = TARGET_FIELD.get(kind.lower()) if isinstance(kind, str) else None
    points = item.get("points", 0)
    texts = [item.get(name) for name in ("username", "kind", "occurred_at", *given)]
    if any(value is not None and not isinstance(value, str) for value in texts):
        row.problem = f"{row.where}: username, kind, occurred_at and the target code must be text."
    elif isinstance(points, bool) or not isinstance(points, int):
        row.problem = f"{row.where}: points must be a whole number of 0 or more."
    elif len(given) > 1 or (given and needed and given[0] != needed):
        row.problem = f"{row.where}: {kind} takes {needed or 'no target'}, not {' and '.join(given)}."
    else:
        reference = item[given[0]] if given else ""
        row.values = {
            "username": (item.get("username") or "").strip(),
            "kind": (kind or "").strip(),
            "reference": reference.strip(),
            "points": str(points) if points >= 0 else "-",
            "occurred_at": (item.get("occurred_at") or "").strip(),
        }
    return row
