"""Every write, as keyword-only functions under one transaction: the API's serializers, the
admin's save_model/save_formset/delete_model, the import and the merge all call these. Each
checks the workflow, names the user on the history row, and moves the version on (the
models' save() does, through infra/locking.py).

The workflow: draft -> coded -> reviewed. Only a reviewer marks an article reviewed; a change
by anyone else to a reviewed article, or to one of its claims, returns it to coded, and its
history says why.


One module per write area, each a room of its own; this package re-exports them all, so
`from registry.services import claim_save` and `services.claim_save(...)` work as before:

- `records.py`: articles and claims through the workflow, any other record with its history;
- `imports.py`: the claims CSV and coverage ranges;
- `merge.py`: two enterprises merged into one;
- `restore.py`: an article restored to a recorded version;
- `agreement.py`: agreement rounds drawn, coded, closed and adjudicated;
- `stories.py`: reprints linked as one story;
- `history.py`: an enterprise's attributes in time.
"""

from registry.services.records import (  # noqa: F401
    REOPENED, WorkflowError, article_save, claim_save, claim_delete, record_save, record_delete
)
from registry.services.imports import claims_import, coverage_import  # noqa: F401
from registry.services.merge import MergeConflict, PeriodMergeConflict, enterprise_merge  # noqa: F401
from registry.services.restore import RestoreConflict, article_restore  # noqa: F401
from registry.services.agreement import (  # noqa: F401
    MAX_ROUND_SIZE, round_draw, second_coding_save, round_close, adjudicate, agreement_import
)
from registry.services.stories import StoryConflict, story_link  # noqa: F401
from registry.services.history import (  # noqa: F401
    HISTORY_HEADER, period_description, history_check, history_save, history_delete, history_import
)
