"""The read-only web dashboard (Starlette): open cases, timelines, documents and reports."""
