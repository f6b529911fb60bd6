"""Pages of the update cycle, one module per step; each module lists its own ROUTES (urls.py)."""
