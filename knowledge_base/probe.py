"""Open a local store version and run one query; run as a child process so a crash cannot hurt the caller.

Reads ``{"probe": [floats] | null}`` on standard input, prints ``{"count": N, "model": ...}``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import chromadb
from chromadb.config import Settings

from knowledge_base.store import COLLECTION


def main() -> int:
    """Probe the version folder named on the command line."""
    path = Path(sys.argv[1])
    request = json.loads(sys.stdin.read() or "{}")
    client = chromadb.PersistentClient(path=str(path), settings=Settings(anonymized_telemetry=False))
    collection = client.get_collection(COLLECTION, embedding_function=None)
    count = collection.count()
    probe = request.get("probe")
    if probe is not None and count:
        collection.query(query_embeddings=[probe], n_results=min(3, count))
        collection.get(limit=1, include=["documents", "metadatas", "embeddings"])
    print(json.dumps({"count": count, "model": (collection.metadata or {}).get("embedding_model")}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
