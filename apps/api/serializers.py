"""What the API reads and answers. Requests refuse fields they do not know (``issued_by``, ``organization``…):
they are never trusted, and a typo is not silently ignored."""

from rest_framework import serializers

from apps.badges.models import Badge
from apps.issued_badges.models import EVIDENCE_LENGTH, IssuedBadge

MAX_RECIPIENTS = 50


class StrictSerializer(serializers.Serializer):
    def validate(self, attrs):
        if isinstance(self.initial_data, dict):
            unknown = sorted(set(self.initial_data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: ["This field is not accepted."] for name in unknown})
        return attrs


class BadgeSerializer(serializers.ModelSerializer):
    organization = serializers.SerializerMethodField()
    image_url = serializers.SerializerMethodField()

    class Meta:
        model = Badge
        fields = ["id", "name", "description", "criteria", "organization", "manual_issuance_enabled", "is_active",
                  "image_url"]  # fmt: skip

    def get_organization(self, badge) -> dict:
        return {"id": badge.organization_id, "name": badge.organization.name}

    def get_image_url(self, badge) -> str | None:
        if not badge.image:
            return None
        request = self.context.get("request")
        return request.build_absolute_uri(badge.image.url) if request else badge.image.url


class PersonSerializer(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.CharField(source="display_name")


class IssuedBadgeSerializer(serializers.ModelSerializer):
    badge = serializers.SerializerMethodField()
    recipient = PersonSerializer()
    organization = serializers.SerializerMethodField()
    issued_by = serializers.SerializerMethodField()
    status = serializers.SerializerMethodField()
    classroom = serializers.SerializerMethodField()
    achievement = serializers.SerializerMethodField()
    evidence = serializers.CharField(help_text="What the badge was issued with: a URL or a few words; or empty.")

    class Meta:
        model = IssuedBadge
        fields = ["uuid", "badge", "recipient", "organization", "issued_at", "earned_at", "source", "issued_by",
                  "classroom", "achievement", "evidence", "status", "revoked_at", "revocation_reason"]  # fmt: skip

    def get_badge(self, issued) -> dict:
        return {"id": issued.badge_id, "name": issued.badge.name}

    def get_organization(self, issued) -> dict:
        return {"id": issued.badge.organization_id, "name": issued.badge.organization.name}

    def get_issued_by(self, issued) -> str | None:
        return issued.issued_by.username if issued.issued_by_id else None

    def get_status(self, issued) -> str:
        return "revoked" if issued.revoked_at else "active"

    def get_classroom(self, issued) -> dict | None:
        return {"id": issued.classroom_id, "title": issued.classroom.title} if issued.classroom_id else None

    def get_achievement(self, issued) -> dict | None:
        return {"id": issued.achievement_id, "name": issued.achievement.name} if issued.achievement_id else None


class AwardRequestSerializer(StrictSerializer):
    recipients = serializers.ListField(
        child=serializers.CharField(max_length=254, trim_whitespace=True),
        min_length=1,
        max_length=MAX_RECIPIENTS,
        help_text=f"Usernames or e-mail addresses, 1 to {MAX_RECIPIENTS}.",
    )
    evidence = serializers.CharField(
        max_length=EVIDENCE_LENGTH,
        required=False,
        allow_blank=True,
        help_text="Optional: a URL or a few words showing the work, kept with each badge issued and shown on its "
        "verification page and in its Open Badges credentials.",
    )
    notify = serializers.BooleanField(
        required=False,
        default=True,
        help_text="E-mail each recipient their new badge (default true), as Notify students does on the pages.",
    )


class AwardResultSerializer(serializers.Serializer):
    recipient = serializers.CharField(help_text="As sent.")
    status = serializers.ChoiceField(
        choices=["issued", "already_earned", "revoked", "unknown_recipient", "not_allowed"]
    )
    issued_badge = IssuedBadgeSerializer(allow_null=True)
    message = serializers.CharField()


class AwardResponseSerializer(serializers.Serializer):
    results = AwardResultSerializer(many=True)


class ReasonSerializer(StrictSerializer):
    reason = serializers.CharField(max_length=1000)


class OptionalReasonSerializer(StrictSerializer):
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True)


MAX_ACTIVITIES = 1000


class ActivitiesRequestSerializer(StrictSerializer):
    activities = serializers.ListField(
        child=serializers.JSONField(),
        min_length=1,
        max_length=MAX_ACTIVITIES,
        help_text=f"1 to {MAX_ACTIVITIES:,} objects: username, kind (lab_launched, lab_completed, course_completed, "
        "exam_passed, points), the target by code — course, lab as COURSECODE/LABCODE, or learning_path — points, "
        "occurred_at (ISO 8601). Each is validated on its own.",
    )


class ActivityResultSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="The item's position in the request, from 1.")
    status = serializers.ChoiceField(choices=["recorded", "already_recorded", "invalid"])
    errors = serializers.ListField(child=serializers.CharField())


class ActivitiesResponseSerializer(serializers.Serializer):
    recorded = serializers.IntegerField()
    already_recorded = serializers.IntegerField()
    invalid = serializers.IntegerField()
    results = ActivityResultSerializer(many=True)


class WebhookSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.URLField()
    events = serializers.ListField(child=serializers.CharField())
    organization = serializers.SerializerMethodField()
    is_active = serializers.BooleanField()
    disabled_reason = serializers.CharField(help_text="Why it was disabled; empty when it is active.")
    created_at = serializers.DateTimeField()

    def get_organization(self, webhook) -> dict:
        return {"id": webhook.organization_id, "name": webhook.organization.name}


class WebhookCreatedSerializer(WebhookSerializer):
    secret = serializers.CharField(help_text="The signing secret (whsec_…): shown in this answer only.")


class WebhookRequestSerializer(StrictSerializer):
    url = serializers.CharField(max_length=2000, help_text="An https:// (or http://) URL outside the portal.")
    events = serializers.ListField(
        child=serializers.CharField(max_length=50), help_text="badge.issued, badge.revoked, badge.reinstated"
    )
    organization = serializers.IntegerField(
        required=False, help_text="Its organization's id: the key's own (default) or one under it."
    )
