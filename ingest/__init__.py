"""The writer: loads approved sources, splits and embeds them, and builds a new store version."""
