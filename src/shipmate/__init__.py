"""shipmate: deploy a service alone and safely.

Kept empty of imports on purpose: `python -m shipmate.router` and the log pump start
through this package, and every import here would slow each of them down.
"""

__version__ = "0.1.0"
