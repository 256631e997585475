"""What the door tells the rest of the portal: issued badges changed (issued, revoked or reinstated).

``issued_badges_changed`` is sent inside the door's transaction, after its writes, once per pass: ``action`` is
"issued", "revoked" or "reinstated", ``ids`` the issued badges it changed (all the jobs of a pass at once — the
evaluator issues tens of thousands), ``at`` the moment of the change; for "issued", ``notify`` maps "each" and
"digest" to the ids whose recipients are to be told by e-mail (IssueRequest.notify), and ``sources`` each source
to how many of them it issued. A receiver's writes commit
or roll back with the door's; a receiver that raises rolls the change back. The door imports no receiver: apps
above it connect.
"""

from django.dispatch import Signal

issued_badges_changed = Signal()
