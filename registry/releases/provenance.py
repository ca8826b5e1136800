"""What data an answer comes from: a release, or the live data at a given moment.

Every time-series answer carries this stamp (the API's JSON `data_version` field and CSV
headers, the export command's standard error, the /compare/ footer), so that a number
copied into a paper can be traced to its data and the codebook it was coded under.

    stamp = provenance.live(user)       # or provenance.of_release(release)
    stamp["codebook_version"], provenance.text(stamp)

Live data is stamped with the time of its last change and the counts the user may see. For a
signed-in user the last change is the newest history record (every write of the registry
leaves one); for the public it is the public data version's time (registry/stored/dataversion.py),
which a draft or an internal note does not move, so the stamp tells an anonymous reader
nothing about them. Counting what the public sees takes 0.5 s at a million claims, so the
public counts are kept on the version row by the same triggers (dataversion.public_state).
"""

from registry.stored import dataversion
from registry.method.codebook import CODEBOOK_VERSION
from registry.models import Article, Claim, Enterprise
from registry.access.visibility import sees_public_view

# Whose view a live answer is (registry/method/rules.py, "signed-in-view").
PUBLIC_VIEW = "public view"
SIGNED_IN_VIEW = "signed-in view: restricted articles and drafts this user may see included; not reproducible from a release"


def live(user=None):
    if not (user and user.is_authenticated):
        # Kept by the public version's triggers: one primary-key read, even right after a publication.
        last, counts = dataversion.public_state()
    else:
        last = dataversion.last_change()
        counts = {
            "articles": Article.objects.visible_to(user).count(),
            "enterprises": Enterprise.objects.visible_to(user).count(),
            "claims": Claim.objects.visible_to(user).count(),
        }
    return {
        "source": "live",
        "last_change": last.isoformat().replace("+00:00", "Z") if last else None,
        "counts": counts,
        "codebook_version": CODEBOOK_VERSION,
        "view": PUBLIC_VIEW if sees_public_view(user) else SIGNED_IN_VIEW,
    }


def of_release(release):
    return {
        "source": "release",
        "release": release.name,
        "checksum": release.checksum,
        "codebook_version": release.codebook_version,
        "view": PUBLIC_VIEW,
    }


def text(stamp):
    """The data, in one line (without the codebook version)."""
    if stamp["source"] == "release":
        return f"release {stamp['release']} (SHA-256 {stamp['checksum']})"
    counts = ", ".join(f"{n} {what}" for what, n in stamp["counts"].items())
    view = stamp.get("view", PUBLIC_VIEW)
    return f"live data, last change {stamp['last_change'] or 'none recorded'}; {counts}" + (
        "" if view == PUBLIC_VIEW else f"; {view}")


def note(stamp):
    return f"data: {text(stamp)}; codebook version {stamp['codebook_version']}"
