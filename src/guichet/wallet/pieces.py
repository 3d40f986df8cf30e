"""What a service's form passes to the case engine for a file field that names a
``document_type`` besides plain uploads (no model imported here: the case engine imports it).

- ``WalletPick``: "use this document of my wallet" (its id, and who chooses: the signed-in
  person of the door);
- ``WalletKeep``: an upload the person asked to keep in their wallet, with its dates;
- ``WalletCopy``: what either becomes once checked: a ``CleanFile`` the case engine stores as a
  normal attachment, then hands back to ``wallet.services.wallet_piece_stored``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from guichet.core.uploads import CleanFile


@dataclass(frozen=True)
class WalletPick:
    document_id: int
    owner: Any


@dataclass(frozen=True)
class WalletKeep:
    upload: Any
    owner: Any
    document_type: str
    issued_on: str = ""
    expires_on: str = ""
    #: the person ticked "keep" for a health document (the same box: kept only if chosen)
    keep: bool = True


WALLET_PIECES = (WalletPick, WalletKeep)


@dataclass(frozen=True)
class WalletCopy(CleanFile):
    owner_id: int | None = None
    #: the wallet document copied (a pick)
    document_id: int | None = None
    #: to keep in the wallet (an upload): its type and dates
    keep_type: str = ""
    keep_issued_on: datetime.date | None = None
    keep_expires_on: datetime.date | None = None
