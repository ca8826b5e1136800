"""A list page's JSON rows straight from `values_list`, through the list serializer's own
fields: the same output as serializing model instances, for about a third of the CPU (no
model objects built, no related objects, only the columns shown are read).

The list serializers are flat (renderers.columns_of reads the same sources for the CSV), so
each field is one ORM path. A serializer this cannot mirror exactly, e.g. a method field or a
nested one, is serialized from instances as before (`FlatRows.of` answers None)."""

from django.core.exceptions import FieldDoesNotExist
from rest_framework.relations import PKOnlyObject, RelatedField
from rest_framework.serializers import BaseSerializer


def _nullable_hop(model, parts):
    """Does the path cross a relation that may be missing (a null foreign key)? DRF leaves
    such a field out of the row when it does not allow null, which values cannot tell from
    a null column; those serializers stay on instances."""
    for name in parts[:-1]:
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            return True  # an annotation traversed: not a path this mirrors
        if not field.is_relation or field.null or field.many_to_many or field.one_to_many:
            return True
        model = field.related_model
    return False


class FlatRows:
    def __init__(self, fields):
        self.fields = fields  # [(field, ORM path, the value is a primary key)]

    @classmethod
    def of(cls, serializer):
        """For a serializer (the child of a many=True one, bound to the request, so restricted
        fields are already dropped), or None if its rows must be built from instances."""
        model = serializer.Meta.model
        fields = []
        for field in serializer._readable_fields:
            source = field.source
            if source == "*" or isinstance(field, BaseSerializer) or getattr(field, "child_relation", None) is not None:
                return None
            parts = source.split(".")
            pk_only = isinstance(field, RelatedField)
            if pk_only and not field.use_pk_only_optimization():
                return None
            if len(parts) > 1 and not field.allow_null and _nullable_hop(model, parts):
                return None
            fields.append((field, "__".join(parts), pk_only))
        return cls(fields)

    def queryset(self, queryset):
        return queryset.values_list(*[path for _, path, _ in self.fields])

    def represent(self, rows):
        """What Serializer.to_representation makes of each row: None stays None, anything
        else goes through the field (a related field gets its primary key as DRF hands it)."""
        named = [(field.field_name, field.to_representation, pk_only) for field, _, pk_only in self.fields]
        out = []
        for row in rows:
            item = {}
            for (name, represent, pk_only), value in zip(named, row):
                if value is None:
                    item[name] = None
                else:
                    item[name] = represent(PKOnlyObject(pk=value) if pk_only else value)
            out.append(item)
        return out
