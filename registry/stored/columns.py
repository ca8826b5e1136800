"""The stored columns: their names and what each copies. Below the models that carry them
(registry/models/), evidence.py that states each value, and copies.py whose triggers keep
them; it imports nothing, so the models read it without importing what reads the models."""

# The stored columns and the annotation (ClaimQuerySet.evidence) each one stores.
COLUMNS = {
    "public_claim_count": "claim_count",
    "public_first_seen": "first_seen",
    "public_first_seen_precision": "first_seen_precision",
    "public_last_seen": "last_seen",
    "public_last_seen_precision": "last_seen_precision",
}
# The claim's stored copy of its article's date and precision while public, and the article
# column each copies.
CLAIM_COLUMNS = {"public_published": "published", "public_precision": "precision"}
# The claim's stored copies of what its enterprise was on the claim's date, on every claim
# (public or not), and the enterprise field holding today's value of each: the series group
# and filter the claims by them without the join.
ENTERPRISE_COLUMNS = {
    "enterprise_region": "region_id", "enterprise_grade": "grade", "enterprise_place": "location_id",
    "enterprise_industry": "industry_id", "enterprise_parent": "parent_id",
}
