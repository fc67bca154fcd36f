"""Help lines and referrals (``referrals.yaml``), used by support replies; each entry carries its check date."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

REFERRALS_NAME = "referrals.yaml"


class Referral(BaseModel):
    """One verified help line or service."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    name: str
    purpose: str
    contact: str
    url: str | None = None
    region: str
    languages: tuple[str, ...] = ()
    hours: str | None = None
    kind: Literal["emergency", "mental_health", "child_protection", "women", "general"]
    verified_on: dt.date
    verified_from: str


class ReferralsError(Exception):
    """The referrals file is invalid."""


def load_referrals(kb_dir: Path) -> tuple[Referral, ...]:
    """Read and validate the referrals file; a missing file means no referrals."""
    path = kb_dir / REFERRALS_NAME
    if not path.is_file():
        return ()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ReferralsError(f"{path}: not valid YAML: {exc}") from None
    entries = data.get("referrals", []) if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise ReferralsError(f"{path}: must be a mapping with a list under 'referrals'")
    referrals, problems = [], []
    for index, raw in enumerate(entries):
        try:
            referrals.append(Referral.model_validate(raw))
        except ValidationError as exc:
            name = raw.get("id") if isinstance(raw, dict) else None
            for error in exc.errors():
                where = ".".join(str(x) for x in error["loc"])
                problems.append(f"entry {index + 1} ({name!r}): field '{where}': {error['msg']}")
    if problems:
        raise ReferralsError(f"{path}:\n" + "\n".join(f"  - {p}" for p in problems))
    return tuple(referrals)
