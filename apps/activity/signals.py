"""``activity_recorded``: new activity records were written (by hand, by an import, through the API), sent with
the students' ids inside the writing transaction. The achievements app listens: it evaluates those students at
once, after commit, rather than at the next hour (this app sits below it and does not import it)."""

from django.dispatch import Signal

activity_recorded = Signal()  # user_ids: the students whose activity was recorded
