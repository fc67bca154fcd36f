"""The knowledge base: approved sources, their manifest, and the contract of the store built from them.

Both the writer (``ingest``) and the reader (``bot``) import this package; it imports neither.
"""

from pathlib import Path

KB_DIR = Path(__file__).resolve().parent
"""The starter knowledge base shipped with the project (``sources.yaml`` and ``sources/``)."""
