"""Pure analysis rules: samples in, verdicts out (no I/O here)."""
