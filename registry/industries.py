"""Finding an industry by what a coder or researcher writes: name, slug or ISIC division."""

from .models import Industry
from .names import name_key


class IndustryLookupError(ValueError):
    pass


def resolve_industry(text, industries=None):
    """A taxonomy name or slug, or a two-digit ISIC division. A division resolves to the
    sub-industry that alone carries it, else to the top-level industry that alone carries
    it (24 -> Metal, since iron and steel and non-ferrous metals share it).

    `industries` lets a caller that resolves many values pass the taxonomy in once."""
    if industries is None:
        industries = list(Industry.objects.select_related("parent"))
    key = name_key(text)
    for industry in industries:
        if key and key in (name_key(industry.name), name_key(industry.slug)):
            return industry
    text = (text or "").strip()
    if text.isdigit() and len(text) <= 2:
        code = text.zfill(2)
        for is_level in (lambda i: i.parent_id is not None, lambda i: i.parent_id is None):
            matches = [i for i in industries if is_level(i) and code in i.isic_codes]
            if len(matches) == 1:
                return matches[0]
        raise IndustryLookupError(f"no single industry carries ISIC division {code}; give the industry's name")
    raise IndustryLookupError(
        f"unknown industry {text!r}; give a taxonomy name (e.g. Iron and steel), slug or ISIC division (e.g. 24)"
    )
