"""The REST API's endpoints (DESIGN §9): thin — parse, ask a selector or a service, answer JSON.

Every request acts as its API key's organization (``request.user`` is the access policy's OrganizationActor):
what it may see and change is the policy's, as on the pages; another organization's object is a 404.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiCallback, OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.activity.services import activity_records_post
from apps.badges.models import Badge
from apps.issued_badges.models import IssuedBadge
from apps.issued_badges.selectors import issued_badge_search
from apps.issued_badges.services import issued_badges_reinstate, issued_badges_revoke
from apps.organizations.models import Organization
from apps.webhooks.selectors import webhooks_for
from apps.webhooks.serializers import WebhookPayloadSerializer
from apps.webhooks.services import webhook_create, webhook_delete

from .idempotency import idempotent
from .pagination import ChangeFeed, Cursor
from .selectors import ISSUED_BADGE_RELATED
from .serializers import (
    ActivitiesRequestSerializer,
    ActivitiesResponseSerializer,
    AwardRequestSerializer,
    AwardResponseSerializer,
    BadgeSerializer,
    IssuedBadgeSerializer,
    OptionalReasonSerializer,
    ReasonSerializer,
    WebhookCreatedSerializer,
    WebhookRequestSerializer,
    WebhookSerializer,
)
from .services import badge_award

FIND_FILTERS = [
    ("student", "name, username or e-mail"),
    ("badge", "a badge id"),
    ("organization", "an organization id"),
    ("classroom", "a class id"),
    ("course_assignment", "a course assignment id"),
    ("source", "roster, batch, assignment, usernames, profile, api or achievement"),
    ("issued_by", "a person's id, or automatic"),
    ("issued_from", "a date, YYYY-MM-DD"),
    ("issued_to", "a date, YYYY-MM-DD"),
    ("status", "active or revoked"),
]  # newest first (a cursor keeps its order); Find's column sort does not apply

IDEMPOTENCY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="Send the same key with the same body again and get the first answer (header "
    "Idempotent-Replayed: true), nothing written twice. Another body with the same key: 422. Keys live 24 hours.",
)


AWARD_EXAMPLES = [
    OpenApiExample(
        "Two recipients",
        request_only=True,
        value={
            "recipients": ["nw-student05", "maya@example.com"],
            "evidence": "https://lms.example.com/projects/4711",
        },
    ),
    OpenApiExample(
        "Results",
        response_only=True,
        value={
            "results": [
                {
                    "recipient": "nw-student05",
                    "status": "issued",
                    "issued_badge": {
                        "uuid": "5f0c…",
                        "badge": {"id": 1, "name": "Cloud Explorer"},
                        "evidence": "https://lms.example.com/projects/4711",
                        "status": "active",
                    },
                    "message": "Cloud Explorer was issued to Zoe Okafor.",
                },
                {
                    "recipient": "maya@example.com",
                    "status": "already_earned",
                    "issued_badge": {"uuid": "9a41…", "badge": {"id": 1, "name": "Cloud Explorer"}, "status": "active"},
                    "message": "Maya Smith has already earned Cloud Explorer. A badge is earned only once.",
                },
            ]
        },
    ),
]


def _flag(value: str | None, name: str) -> bool | None:
    if value in (None, ""):
        return None
    if value in ("true", "false"):
        return value == "true"
    raise ValidationError({name: [f"“{value}” is not true or false."]})


@extend_schema(
    parameters=[OpenApiParameter("manual", OpenApiTypes.BOOL, description="only badges issued by hand (true)")],
    tags=["badges"],
)
class BadgeList(generics.ListAPIView):
    """The badges of the key's organization and the organizations under it."""

    serializer_class = BadgeSerializer

    def get_queryset(self):
        badges = Badge.objects.administered_by(self.request.user).select_related("organization")
        manual = _flag(self.request.query_params.get("manual"), "manual")
        return badges if manual is None else badges.filter(manual_issuance_enabled=manual)


class BadgeAwards(APIView):
    @extend_schema(
        summary="Award a badge to up to 50 people",
        description="Issues the badge (source `api`) to each recipient named by username or e-mail, never "
        "all-or-nothing: one result per recipient, in the order sent — `issued`, `already_earned`, `revoked`, "
        "`unknown_recipient` (nobody of that name in the key's organizations) or `not_allowed` (the message says "
        "why). A badge not enabled for manual issuance, or inactive, is refused whole (422).",
        request=AwardRequestSerializer,
        responses={200: AwardResponseSerializer},
        parameters=[IDEMPOTENCY],
        examples=AWARD_EXAMPLES,
        tags=["badges"],
    )
    @idempotent
    def post(self, request, pk: int):
        badge = get_object_or_404(Badge.objects.administered_by(request.user).select_related("organization"), pk=pk)
        data = AwardRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if not badge.is_active or not badge.manual_issuance_enabled:
            why = "is inactive" if not badge.is_active else "is not enabled for manual issuance"
            return Response({"detail": f"The badge “{badge.name}” {why}: nothing was issued."}, status=422)
        results = badge_award(
            badge=badge,
            names=data.validated_data["recipients"],
            actor=request.user,
            evidence=data.validated_data.get("evidence", ""),
            notify=data.validated_data["notify"],
        )
        return Response(AwardResponseSerializer({"results": results}).data)


@extend_schema(
    tags=["issued badges"],
    parameters=[
        OpenApiParameter(
            "changed_since",
            OpenApiTypes.DATETIME,
            description="Only badges issued, revoked or reinstated at or after this moment (ISO 8601), oldest "
            "change first: pull the changes since your last pull, following `next` to the end.",
        ),
        *[OpenApiParameter(name, OpenApiTypes.STR, description=f"As on Find Issued Badges: {label}.")
          for name, label in FIND_FILTERS],
    ],
)  # fmt: skip
class IssuedBadgeList(generics.ListAPIView):
    """Issued badges the key's organization may see, filtered as on Find Issued Badges."""

    serializer_class = IssuedBadgeSerializer

    def get_queryset(self):
        search = issued_badge_search(request=self.request)
        if search.invalid:
            raise ValidationError(search.form.errors)
        rows = search.qs.select_related(*ISSUED_BADGE_RELATED)
        if (since := self.changed_since) is not None:
            rows = rows.filter(updated_at__gte=since)
        return rows

    @property
    def changed_since(self):
        text = self.request.query_params.get("changed_since")
        if not text:
            return None
        since = parse_datetime(text.replace(" ", "+"))  # a "+" sent unencoded in a query arrives as a space
        if since is None:
            raise ValidationError({"changed_since": [f"“{text}” is not an ISO 8601 date-time."]})
        return since if timezone.is_aware(since) else timezone.make_aware(since)

    @property
    def paginator(self):
        if not hasattr(self, "_paginator"):
            self._paginator = ChangeFeed() if self.changed_since is not None else Cursor()
        return self._paginator


@extend_schema(tags=["issued badges"])
class IssuedBadgeDetail(generics.RetrieveAPIView):
    serializer_class = IssuedBadgeSerializer
    lookup_field = "uuid"

    def get_queryset(self):
        return IssuedBadge.objects.visible_to(self.request.user).select_related(*ISSUED_BADGE_RELATED)


class _StatusChange(APIView):
    change = None
    reason_serializer: type[serializers.Serializer] = ReasonSerializer
    default_reason = ""

    @idempotent
    def post(self, request, uuid):
        issued = get_object_or_404(IssuedBadge.objects.visible_to(request.user), uuid=uuid)
        data = self.reason_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        reason = data.validated_data.get("reason") or self.default_reason
        [result] = type(self).change(ids=[issued.pk], actor=request.user, reason=reason)
        if not result.ok:
            return Response({"detail": result.message}, status=409 if result.issued_badge else 404)
        issued = IssuedBadge.objects.select_related(*ISSUED_BADGE_RELATED).get(pk=issued.pk)
        return Response(IssuedBadgeSerializer(issued).data)


@extend_schema(request=ReasonSerializer, responses=IssuedBadgeSerializer, parameters=[IDEMPOTENCY],
               tags=["issued badges"], summary="Revoke an issued badge (a reason is required)")  # fmt: skip
class IssuedBadgeRevoke(_StatusChange):
    change = staticmethod(issued_badges_revoke)


@extend_schema(request=OptionalReasonSerializer, responses=IssuedBadgeSerializer, parameters=[IDEMPOTENCY],
               tags=["issued badges"], summary="Reinstate a revoked badge")  # fmt: skip
class IssuedBadgeReinstate(_StatusChange):
    change = staticmethod(issued_badges_reinstate)
    reason_serializer = OptionalReasonSerializer
    default_reason = "Reinstated through the API."


ACTIVITY_EXAMPLES = [
    OpenApiExample(
        "A lab launched and points",
        request_only=True,
        value={
            "activities": [
                {
                    "username": "nw-student05",
                    "kind": "lab_launched",
                    "lab": "CF-101/CF-101-L1",
                    "occurred_at": "2026-11-29T09:30:00Z",
                },
                {"username": "nw-student05", "kind": "points", "points": 25, "occurred_at": "2026-11-29T09:31:00Z"},
            ]
        },
    )
]


class Activities(APIView):
    @extend_schema(
        summary="Record activity (up to 1,000 items)",
        description="Stores each valid item — what a student did, which achievements count — and says what "
        "happened to each: `recorded`, `already_recorded` (the same student, kind, target and time is stored "
        "once) or `invalid` with its errors; one invalid item does not stop the others. The students recorded "
        "are evaluated at once: a badge their activity earns is issued within seconds.",
        request=ActivitiesRequestSerializer,
        responses={200: ActivitiesResponseSerializer},
        parameters=[IDEMPOTENCY],
        examples=ACTIVITY_EXAMPLES,
        tags=["activity"],
    )
    @idempotent
    def post(self, request):
        data = ActivitiesRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        results = activity_records_post(actor=request.user, items=data.validated_data["activities"])
        statuses = ("recorded", "already_recorded", "invalid")
        counts = {status: sum(result.status == status for result in results) for status in statuses}
        rows = [{"index": n, "status": r.status, "errors": list(r.errors)} for n, r in enumerate(results, start=1)]
        return Response({**counts, "results": rows})


WEBHOOK_CALLBACKS = [
    OpenApiCallback(
        "badge events",
        "{$request.body#/url}",
        extend_schema(
            summary="An event, signed per Standard Webhooks",
            description="Headers webhook-id (stable: drop repeats), webhook-timestamp, webhook-signature (v1, "
            "HMAC-SHA256 with the webhook's secret). Answer 2xx within 10 s; anything else is retried with "
            "exponential backoff for a day.",
            request=WebhookPayloadSerializer,
            responses={200: None},
        ),
    )
]


@extend_schema(tags=["webhooks"])
class Webhooks(generics.ListAPIView):
    """The webhooks of the key's organization and the organizations under it."""

    serializer_class = WebhookSerializer

    def get_queryset(self):
        return webhooks_for(self.request.user)

    @extend_schema(
        summary="Register a webhook",
        request=WebhookRequestSerializer,
        responses={201: WebhookCreatedSerializer},
        parameters=[IDEMPOTENCY],
        callbacks=WEBHOOK_CALLBACKS,
    )
    @idempotent
    def post(self, request):
        data = WebhookRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        organization_id = data.validated_data.get("organization", request.user.organization_id)
        organization = Organization.objects.administered_by(request.user).filter(pk=organization_id).first()
        if organization is None:
            raise ValidationError({"organization": [f"No organization {organization_id} for this key."]})
        try:
            webhook, secret = webhook_create(
                organization=organization, url=data.validated_data["url"], events=data.validated_data["events"],
                actor=request.user,
            )  # fmt: skip
        except DjangoValidationError as error:
            raise ValidationError(error.message_dict if hasattr(error, "error_dict") else error.messages) from None
        answer = WebhookSerializer(webhook).data
        return Response({**answer, "secret": secret}, status=201)


@extend_schema(tags=["webhooks"])
class WebhookDetail(APIView):
    @extend_schema(responses=WebhookSerializer)
    def get(self, request, pk: int):
        return Response(WebhookSerializer(get_object_or_404(webhooks_for(request.user), pk=pk)).data)

    @extend_schema(summary="Delete a webhook", responses={204: None})
    def delete(self, request, pk: int):
        webhook_delete(webhook=get_object_or_404(webhooks_for(request.user), pk=pk), actor=request.user)
        return Response(status=204)
