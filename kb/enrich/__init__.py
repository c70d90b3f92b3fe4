"""``kb enrich``: papers filled from their identifiers, offline (:mod:`.offline`) or from the sources that own
them over the network (:mod:`.network`, opt-in; nothing else in kb touches the network).

The network half imports httpx only when it runs, so ``import kb.enrich`` stays cheap.
"""

from __future__ import annotations

from kb.enrich.offline import EnrichReport, enrich_offline

__all__ = ["EnrichReport", "enrich_offline"]
