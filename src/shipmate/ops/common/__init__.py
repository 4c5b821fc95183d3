"""What the operations share: the workspace (spec file, state folder), loading the spec, the release config and
its plan, one release run through the engine, the read helpers, identities, audit, artifacts, announcements."""
