"""What the API shows and accepts. Thin: every value comes from the queryset (joined or
annotated in the querysets' `for_api`, registry/models/), never from a query made per row here.

List serializers are flat, and their fields' `source`s are also the CSV export's columns
(renderers.columns_of), so JSON and CSV carry the same data. Restricted fields (full text,
internal notes) are dropped for users without `registry.view_restricted`.
"""

import copy

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers
from rest_framework.fields import get_error_detail
from rest_framework.settings import api_settings

from registry import services
from registry.method.codebook import Tier
from registry.models import Article, Attribute, Claim, Enterprise, Industry, Location, LocationName, Precision, Source, Status
from registry.models.history import VALUE_COLUMN
from registry.access.visibility import can_see_restricted


def _text(source, **kwargs):
    return serializers.CharField(source=source, read_only=True, allow_null=True, **kwargs)


class RestrictedFieldsMixin:
    """Drops `restricted_fields` unless the request's user may see restricted material, and
    the record's own version and time of change for anonymous readers: both move on a draft
    or an internal note, which the public must not be able to watch (issue 28). Those who
    may write read them (the version a PATCH names)."""

    restricted_fields = ()
    signed_in_fields = ("version", "updated_at")

    def get_fields(self):
        fields = super().get_fields()
        user = getattr(self.context.get("request"), "user", None)
        hidden = () if can_see_restricted(user) else self.restricted_fields
        if not (user and user.is_authenticated):
            hidden = (*hidden, *self.signed_in_fields)
        for name in hidden:
            fields.pop(name, None)
        return fields


class ModelCleanMixin:
    """Runs the model's full_clean() — field checks, clean(), unique and check constraints —
    on the object as it would be saved, so the API refuses what the admin refuses."""

    def validate(self, attrs):
        attrs = super().validate(attrs)
        candidate = copy.copy(self.instance) if self.instance is not None else self.Meta.model()
        for name, value in attrs.items():
            setattr(candidate, name, value)
        try:
            candidate.full_clean()
        except DjangoValidationError as error:
            detail = get_error_detail(error)
            if isinstance(detail, dict) and NON_FIELD_ERRORS in detail:
                detail[api_settings.NON_FIELD_ERRORS_KEY] = detail.pop(NON_FIELD_ERRORS)
            raise serializers.ValidationError(detail) from None
        return attrs


# ---- places, industries, sources -------------------------------------------------------


class PlaceSerializer(serializers.ModelSerializer):
    parent = _text("parent.slug", help_text="The enclosing place's slug")

    class Meta:
        model = Location
        fields = [
            "slug", "name", "name_mr", "name_rr", "hangul", "kind", "level", "iso_code", "parent",
            "path", "latitude", "longitude",
        ]


class PlaceBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Location
        fields = ["slug", "name", "hangul", "kind", "level"]


class PlaceDetailSerializer(PlaceSerializer):
    ancestors = PlaceBriefSerializer(many=True, read_only=True, source="api_ancestors", help_text="Outermost first")
    names = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="name", help_text="Every spelling the place is found by"
    )

    class Meta(PlaceSerializer.Meta):
        fields = PlaceSerializer.Meta.fields + ["ancestors", "names"]


class IndustrySerializer(serializers.ModelSerializer):
    parent = _text("parent.slug")
    parent_name = _text("parent.name")

    class Meta:
        model = Industry
        fields = ["slug", "name", "parent", "parent_name", "isic"]


class SourceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Source
        fields = ["id", "short_name", "name", "hangul", "kind", "language", "reliability", "url"]


# ---- enterprises --------------------------------------------------------------------


class EnterpriseListSerializer(serializers.ModelSerializer):
    tier = serializers.ChoiceField(choices=Tier.choices, read_only=True)
    parent = serializers.IntegerField(source="visible_parent_id", read_only=True, allow_null=True)
    parent_name = _text("visible_parent_name")
    location = _text("location.slug", help_text="Slug of the lowest place known")
    location_name = _text("location.name")
    industry = _text("industry.slug")
    industry_name = _text("industry.name")
    claim_count = serializers.IntegerField(read_only=True, help_text="Claims you may see")
    first_seen = serializers.DateField(read_only=True, allow_null=True, help_text="First day of the earliest period the enterprise is reported in")
    first_seen_precision = serializers.ChoiceField(
        choices=Precision.choices, read_only=True, allow_null=True, help_text="day, month or year: first_seen 2015-01-01 with year means 2015"
    )
    last_seen = serializers.DateField(read_only=True, allow_null=True)
    last_seen_precision = serializers.ChoiceField(choices=Precision.choices, read_only=True, allow_null=True)

    class Meta:
        model = Enterprise
        fields = [
            "id", "name", "hangul", "grade", "tier", "kind", "integration", "parent", "parent_name",
            "location", "location_name", "industry", "industry_name", "products", "ministry",
            "claim_count", "first_seen", "first_seen_precision", "last_seen", "last_seen_precision",
        ]


class EnterpriseBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Enterprise
        fields = ["id", "name", "grade", "kind"]


class EvidenceRowSerializer(serializers.Serializer):
    activity = serializers.CharField()
    code = serializers.IntegerField()
    claims = serializers.IntegerField()
    first_seen = serializers.DateField()
    last_seen = serializers.DateField()


class EvidenceSerializer(serializers.Serializer):
    claim_count = serializers.IntegerField()
    first_seen = serializers.DateField(allow_null=True)
    first_seen_precision = serializers.ChoiceField(choices=Precision.choices, allow_null=True)
    last_seen = serializers.DateField(allow_null=True)
    last_seen_precision = serializers.ChoiceField(choices=Precision.choices, allow_null=True)
    by_activity_and_code = EvidenceRowSerializer(many=True)


class PlaceWithAncestorsSerializer(PlaceBriefSerializer):
    ancestors = PlaceBriefSerializer(many=True, read_only=True, source="api_ancestors", help_text="Outermost first")

    class Meta(PlaceBriefSerializer.Meta):
        fields = PlaceBriefSerializer.Meta.fields + ["ancestors"]


class PeriodSerializer(serializers.Serializer):
    """One attribute period of the enterprise (registry/models/history.py), from the rows
    AttributePeriod.objects.for_api read once for the page: nothing is queried here."""

    attribute = serializers.ChoiceField(choices=Attribute.choices)
    value = serializers.SerializerMethodField(help_text="A name; a grade or kind slug; a place or industry slug; a parent enterprise id (null: none)")
    value_label = serializers.SerializerMethodField(help_text="The value as a reader writes it")
    valid_from = serializers.DateField(allow_null=True, help_text="First day covered (null: open)")
    valid_from_precision = serializers.CharField(help_text="day, month or year: how the start was written")
    valid_to = serializers.DateField(allow_null=True, help_text="Last day covered: an end written 2019 is 2019-12-31 (null: open)")
    valid_to_precision = serializers.CharField()
    evidence_article = serializers.IntegerField(source="article_id", allow_null=True, help_text="The article of the registry it rests on")
    source = serializers.CharField(help_text="A free-text source (a yearbook, a report)")
    note = serializers.CharField()

    def get_value(self, period) -> str | int | None:
        column = VALUE_COLUMN[period.attribute]
        if column == "value":
            return period.value
        if column == "parent":
            return period.parent_id
        target = getattr(period, column)
        return target.slug if target is not None else None

    def get_value_label(self, period) -> str:
        return period.value_label()


class EnterpriseDetailSerializer(RestrictedFieldsMixin, EnterpriseListSerializer):
    restricted_fields = ("notes",)
    aliases = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")
    parent_complex = EnterpriseBriefSerializer(source="visible_parent", read_only=True, allow_null=True)
    units = EnterpriseBriefSerializer(source="visible_units", many=True, read_only=True, help_text="Affiliated units")
    place = PlaceWithAncestorsSerializer(source="location", read_only=True, allow_null=True)
    evidence = EvidenceSerializer(read_only=True, help_text="From the claims you may see")
    history = PeriodSerializer(source="visible_periods", many=True, read_only=True,
                               help_text="Its attributes in time, resting on evidence you may see; the fields above hold today's values")

    class Meta(EnterpriseListSerializer.Meta):
        fields = EnterpriseListSerializer.Meta.fields + [
            "aliases", "parent_complex", "units", "place", "evidence", "history", "notes", "created_at", "updated_at", "version",
        ]


# ---- articles and claims --------------------------------------------------------------


class ClaimSerializer(ModelCleanMixin, serializers.ModelSerializer):
    article = serializers.PrimaryKeyRelatedField(queryset=Article.objects.none())
    enterprise = serializers.PrimaryKeyRelatedField(queryset=Enterprise.objects.none())
    published = serializers.DateField(source="article.published", read_only=True)
    precision = serializers.CharField(source="article.precision", read_only=True)
    source = serializers.CharField(source="article.source.short_name", read_only=True)
    article_title = serializers.CharField(source="article.title", read_only=True)
    article_title_ko = serializers.CharField(source="article.title_ko", read_only=True)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    grade = serializers.CharField(source="enterprise.grade", read_only=True)
    location = _text("enterprise.location.slug")
    industry = _text("enterprise.industry.slug")

    class Meta:
        model = Claim
        fields = [
            "id", "article", "published", "precision", "source", "article_title", "article_title_ko", "enterprise",
            "enterprise_name", "grade", "location", "industry", "activity", "code", "detail",
            "quantity", "unit",
        ]

    # Writes go through the services: history names the user, the article moves on, and a
    # reviewed article goes back to coded.
    def create(self, validated_data):
        return services.claim_save(claim=Claim(**validated_data), user=self.context["request"].user)

    def update(self, instance, validated_data):
        for name, value in validated_data.items():
            setattr(instance, name, value)
        return services.claim_save(claim=instance, user=self.context["request"].user)

    def get_fields(self):
        fields = super().get_fields()
        user = getattr(self.context.get("request"), "user", None)
        # A claim may only be attached to what its author may see.
        # Not an article the user is second-coding blind (its first coding is hidden from them).
        fields["article"].queryset = Article.objects.open_to_coding(user)
        fields["enterprise"].queryset = Enterprise.objects.visible_to(user)
        return fields


class ArticleClaimSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)

    class Meta:
        model = Claim
        fields = ["id", "enterprise", "enterprise_name", "activity", "code", "detail", "quantity", "unit"]


class ArticleListSerializer(serializers.ModelSerializer):
    source = serializers.CharField(source="source.short_name", read_only=True)
    source_name = serializers.CharField(source="source.name", read_only=True)
    source_kind = serializers.CharField(source="source.kind", read_only=True)
    claim_count = serializers.IntegerField(read_only=True)
    follow_up_of = serializers.IntegerField(
        source="visible_follow_up_of", read_only=True, allow_null=True,
        help_text="The article this one follows up, if you may see it",
    )

    class Meta:
        model = Article
        fields = [
            "id", "source", "source_name", "source_kind", "published", "precision", "page", "title",
            "title_ko", "summary", "url", "disclosure", "status", "follow_up_of", "claim_count",
        ]


class ArticleSerializer(RestrictedFieldsMixin, ModelCleanMixin, serializers.ModelSerializer):
    """An article with its claims. Coders create and change it; the claims are written
    through /claims/."""

    restricted_fields = ("full_text", "notes", "text_sha256", "coded_by", "reviewed_by")
    source = serializers.SlugRelatedField(slug_field="short_name", queryset=Source.objects.all(), help_text="Short name: KCNA, RS…")
    source_name = serializers.CharField(source="source.name", read_only=True)
    source_kind = serializers.CharField(source="source.kind", read_only=True)
    follow_up_of = serializers.PrimaryKeyRelatedField(queryset=Article.objects.none(), allow_null=True, required=False)
    claims = ArticleClaimSerializer(many=True, read_only=True)
    coded_by = serializers.CharField(source="coded_by.username", read_only=True, allow_null=True)
    reviewed_by = serializers.CharField(source="reviewed_by.username", read_only=True, allow_null=True)
    version = serializers.IntegerField(
        min_value=1, required=False,
        help_text="Raised by one on every change. A PUT/PATCH sends the version it read (or If-Match: "
        "the ETag); if the article changed since, nothing is written (409, or 412 for If-Match).",
    )

    class Meta:
        model = Article
        fields = ArticleListSerializer.Meta.fields[:-1] + [
            "claims", "full_text", "notes", "text_sha256", "coded_by", "reviewed_by", "created_at", "updated_at",
            "version",
        ]
        read_only_fields = ["text_sha256", "created_at", "updated_at"]

    def get_fields(self):
        fields = super().get_fields()
        if "follow_up_of" in fields:
            user = getattr(self.context.get("request"), "user", None)
            fields["follow_up_of"].queryset = Article.objects.visible_to(user)
        return fields

    def validate_follow_up_of(self, value):
        # A follow-up the user may not see was shown as null: sending that null back keeps it.
        if value is None and self.instance is not None and self.instance.follow_up_of_id is not None:
            if getattr(self.instance, "visible_follow_up_of", self.instance.follow_up_of_id) is None:
                return self.instance.follow_up_of
        return value

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if "follow_up_of" in data:
            if not hasattr(instance, "visible_follow_up_of"):  # just written: ask the one rule
                user = self.context["request"].user
                found = Article.objects.for_api(user).filter(pk=instance.pk).values_list("visible_follow_up_of", flat=True)
                instance.visible_follow_up_of = found.first()
            data["follow_up_of"] = instance.visible_follow_up_of
        return data

    def _save(self, article):
        try:
            services.article_save(article=article, user=self.context["request"].user)
        except services.WorkflowError as error:
            raise serializers.ValidationError(get_error_detail(error)) from None
        article.__dict__.pop("visible_follow_up_of", None)  # read again for the answer
        return article

    def create(self, validated_data):
        validated_data.pop("version", None)  # a new article starts at 1
        return self._save(Article(**validated_data))

    def update(self, instance, validated_data):
        for name, value in validated_data.items():
            setattr(instance, name, value)
        return self._save(instance)
