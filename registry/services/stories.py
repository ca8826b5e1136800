"""Stories: an article and its reprints linked as one story."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from registry.models import Disclosure, Story, StoryMember
from registry.services.records import record_save


class StoryConflict(ValidationError):
    """The articles are already in two different stories; nothing was changed."""


@transaction.atomic
def story_link(*, article, reprint, user, title=None):
    """Link `reprint` to `article` as one story (a coder's one click on a suggested reprint).
    The story is the one either is already in, or a new one named `title` (default: the
    article's headline). Two different stories are not merged here: that is done on the
    story's page, where all of both are seen. Returns the story; history names the user."""
    if article.pk == reprint.pk:
        raise StoryConflict({"reprint": _("an article is not a reprint of itself")})
    members = {m.article_id: m for m in StoryMember.objects.select_for_update().filter(article_id__in=[article.pk, reprint.pk]).select_related("story")}
    held = {m.story_id for m in members.values()}
    if len(held) > 1:
        first, second = members[article.pk].story, members[reprint.pk].story
        raise StoryConflict({"reprint": _("#%(article)s is in the story %(first)r and #%(reprint)s in %(second)r; "
                                          "merge them on a story's page") % {
            "article": article.pk, "first": first.title, "reprint": reprint.pk, "second": second.title}})
    if held:
        story = next(iter(members.values())).story
    else:
        # Named after a public one of the two: a story's title is shown to everyone who sees the story.
        named = next((a for a in (article, reprint) if a.disclosure == Disclosure.PUBLIC), article)
        name = (title or named.title or named.title_ko or f"article #{named.pk}")[:300]
        story = record_save(instance=Story(title=name), user=user, reason=f"linked #{article.pk} and #{reprint.pk} as one story")
    for pk in (article.pk, reprint.pk):
        if pk not in members:
            record_save(instance=StoryMember(story=story, article_id=pk), user=user, reason="linked as a reprint")
    return story
