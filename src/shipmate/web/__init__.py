"""The HTTP face `shipmate serve` carries (127.0.0.1 by default): /healthz now; the dashboard, the JSON API
and /metrics hang on the same app later."""
