"""`shipmate serve`'s supervision: one loop (loop.py) over separate parts.

restart_policy (pure: backoff and the crash-loop rule), registry (the host's list of state homes),
death_watch (pidfd: a death is seen without polling), liveness (levels 1-3 on a schedule),
restarting (a new instance through the engine's own start path, under the service's lock),
router_keeper (the router daemon back within a second). It keeps no state that matters: everything it
decides is written to the store, so a new `serve` adopts what the last one left.
"""
