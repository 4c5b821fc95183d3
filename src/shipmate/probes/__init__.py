"""Is it healthy? One look at one thing, returned as a ``ProbeResult`` (never raised).

Each probe is one small class behind the ``Probe`` protocol (``base``): process alive, port listening,
TCP connect, HTTP status, a command's exit code, a container's own HEALTHCHECK, an MCP server's handshake
and tools. ``shipmate.engine.probe_set`` turns a release's health checks into probes per instance and
health level; the monitor and `shipmate check` run the same probes. A new probe is a new module here plus
its line in the probe set (see ARCHITECTURE.md).
"""
