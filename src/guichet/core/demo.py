"""Demo seeding registry: each app may have a ``demo.py`` with ``seed(log)``.

``guichet seed_demo`` calls them in INSTALLED_APPS order; each must be idempotent.
"""

DEMO_PASSWORD = "Guichet-demo-2026"
