"""Lambda handlers: one folder per function, each holding only a thin `app.py`."""
