"""The registry's data: places, industries, enterprises, sources, articles and claims, and
releases, and the method's records (coverage, stories, agreement rounds), one module a topic. Names are stored with a `*_key` (see names.py) so that
lookups in any spelling stay exact, indexed matches.

Everything is re-exported here: `from registry.models import X` is how the rest of the
tree names a model or an enumeration (the enumerations live in codebook.py).
"""

from registry.method.codebook import (
    Disclosure, EnterpriseKind, Integration, LocationKind, Precision, Reliability, SourceKind, Status
)
from .places import Location, LocationName
from .industries import Industry
from .enterprises import Enterprise, EnterpriseAlias
from .sources import Source
from .articles import Article
from .claims import Claim
from .releases import RELEASE_NAME_PATTERN, Release
from .method import Coverage, Extent, Story, StoryMember
from .agreement import Adjudication, AgreementRound, Outcome, RoundArticle, RoundStatus, SecondCoding
from .dataversion import DataVersion
from .history import Attribute, AttributePeriod

__all__ = [
    "Adjudication", "AgreementRound", "Attribute", "AttributePeriod", "Outcome", "RoundArticle", "RoundStatus", "SecondCoding",
    "Article", "Claim", "Coverage", "DataVersion", "Disclosure", "Enterprise", "EnterpriseAlias", "EnterpriseKind", "Extent", "Industry", "Integration",
    "Location", "LocationKind", "LocationName", "Precision", "RELEASE_NAME_PATTERN", "Reliability", "Release",
    "Source", "SourceKind", "Status", "Story", "StoryMember",
]
