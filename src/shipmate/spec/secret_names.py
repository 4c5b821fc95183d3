"""What a secret may be called: apart from spec/secrets.py so the vault checks a name without loading pydantic."""

SECRET_NAME_PATTERN = r"^[A-Z_][A-Z0-9_]{0,99}$"
