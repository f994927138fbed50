"""The embedded authorization server (Starlette app + the thread that runs it). No Qt."""
