"""The assistant: settings, the pipeline (normalise → classify → retrieve → compose → check) and its adapters."""
