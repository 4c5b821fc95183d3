"""Where instances run: the only package that starts, inspects and stops processes and containers.

Each target implements ``base.Target`` (preflight, start, inspect, stop, read and follow logs, usage, ...)
and declares its ``Capabilities`` so strategies and faces ask instead of checking a kind. ``registry`` maps
a spec's ``target.kind`` to its class and imports it only when asked: ``process`` (local child processes
behind the log pump), ``docker`` (containers through the Docker SDK) and ``swarm`` (a Swarm service that
rolls out with its own update). One contract suite (tests/targets/test_target_contract.py) holds every
target to the interface.
"""
