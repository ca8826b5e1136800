"""Finding an industry by what a coder or researcher writes: name, slug or ISIC division."""

from registry.models import Industry
from registry.places.names import name_key


# The 88 divisions of ISIC Rev.4 (UN Statistics Division, 2008). fixtures/industries.csv
# carries every one of them: tests/test_industries.py holds it to that.
ISIC_DIVISIONS = frozenset(
    ["01", "02", "03", "05", "06", "07", "08", "09"]
    + [f"{d:02d}" for d in range(10, 34)]
    + ["35", "36", "37", "38", "39", "41", "42", "43", "45", "46", "47", "49", "50", "51", "52", "53", "55", "56"]
    + [f"{d}" for d in range(58, 64)]
    + ["64", "65", "66", "68"]
    + [f"{d}" for d in range(69, 76)]
    + [f"{d}" for d in range(77, 83)]
    + ["84", "85", "86", "87", "88", "90", "91", "92", "93", "94", "95", "96", "97", "98", "99"]
)


class IndustryLookupError(ValueError):
    pass


def resolve_industry(text, industries=None):
    """A taxonomy name or slug, or a two-digit ISIC division. A division resolves to the
    sub-industry that alone carries it, else to the top-level industry that alone carries
    it: where sub-industries share a division, to their common parent (24 -> Metal, since
    iron and steel and non-ferrous metals share it; 01 -> Agriculture and forestry). A
    division that several top-level industries carry is an error naming them.

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
        if code not in ISIC_DIVISIONS:
            raise IndustryLookupError(f"{code} is not an ISIC Rev.4 division (01-99; 04, 34, 40, 44... do not exist)")
        matches = []
        for is_level in (lambda i: i.parent_id is not None, lambda i: i.parent_id is None):
            matches = [i for i in industries if is_level(i) and code in i.isic_codes]
            if len(matches) == 1:
                return matches[0]
        if matches:
            names = " or ".join(repr(i.name) for i in sorted(matches, key=lambda i: i.name))
            raise IndustryLookupError(f"ISIC division {code} is carried by {names}; give the industry's name")
        raise IndustryLookupError(f"no industry carries ISIC division {code}; give the industry's name")
    raise IndustryLookupError(
        f"unknown industry {text!r}; give a taxonomy name (e.g. Iron and steel), slug or ISIC division (e.g. 24)"
    )
