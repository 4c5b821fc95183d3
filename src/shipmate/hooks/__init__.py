"""Hook commands around a deployment: what to run (pure data) and running it (process I/O)."""
