"""What a secret's name may be: one pattern for the spec's validation and for the vault's folder names.

Plain data without pydantic, so the vault (opened by every command, `status` included) stays cheap to import.
"""

from __future__ import annotations

SECRET_NAME_PATTERN = r"^[A-Z_][A-Z0-9_]{0,99}$"
