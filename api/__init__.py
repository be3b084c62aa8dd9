"""FastAPI gateway for the realtime path."""
