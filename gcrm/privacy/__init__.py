"""Privacy: erasure and consent-aware contact lists (masking and row-level security live in
the database; see docs/security.md)."""

from gcrm.privacy.contacts import contacts, export_contacts
from gcrm.privacy.erase import Erasure, erase

__all__ = ["Erasure", "contacts", "erase", "export_contacts"]
