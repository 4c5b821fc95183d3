"""The built-in traffic switch for process and docker targets: one daemon per state home.

``daemon`` holds the public ports and the route table (written to disk before it is acknowledged, so it
survives a crash); ``http_proxy`` routes each HTTP request to a backend by weight, holds requests while no
backend is ready and counts per-version RED metrics; ``proxy`` splices plain TCP. The engine talks to it
only through ``client.RouterClient``, which implements the ``shipmate.traffic.TrafficRouter`` protocol and
starts the daemon (``python -m shipmate.router``) when none runs. Every change carries a fencing number:
an older lock holder's change is refused.
"""
