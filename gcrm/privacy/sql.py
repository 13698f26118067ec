"""The SQL of erasure and consent-aware contact lists, in one place."""

FIND_ACCOUNT = """
SELECT id, source, external_id, name, email, phone, street, unit, city, region, postcode,
       erased_at
FROM accounts
WHERE (CAST(:id AS bigint) IS NOT NULL AND id = :id)
   OR (CAST(:id AS bigint) IS NULL AND source = :source
       AND external_id IN (:external_id, gcrm_erased_id(:source, :external_id)))
FOR UPDATE
"""
# The key of the hash that replaces an erased account's source id (made by migration 0019;
# made again only if it was deleted, when no erased id can be matched anyway).
ENSURE_KEY = """
INSERT INTO privacy_keys (purpose, key) VALUES ('erased_id', gen_random_bytes(32))
ON CONFLICT (purpose) DO NOTHING
"""

# The person's own data goes; what the aggregates need stays (status, segment, dates, the
# region assignment, the sales and cases). The point is generalised to a ~1 km grid and the
# assignment is stamped so a later incremental assignment leaves it where it was. The source
# id (often an email or a phone number) becomes a keyed hash of itself: readable by every
# role, it names nobody, and a reload of the source finds the account by it again.
ANONYMISE_ACCOUNT = """
UPDATE accounts SET
    external_id = gcrm_erased_id(source, external_id),
    name = '[erased]', email = NULL, phone = NULL, street = NULL, unit = NULL,
    district = NULL, geom = ST_SnapToGrid(geom, 0.01),
    geocode_precision = CASE WHEN geom IS NOT NULL THEN 'postcode' END,
    geocode_score = NULL, geocode_source = CASE WHEN geom IS NOT NULL THEN 'erased' END,
    consent_email = false, consent_phone = false, consent_sms = false, consent_mail = false,
    erased_at = now(), updated_at = now()
WHERE id = :id
"""
KEEP_ASSIGNMENT = """
UPDATE region_assignments SET assigned_at = now() WHERE entity = 'account' AND entity_id = :id
"""
# ... but not in grid cells finer than the ~1 km the point was generalised to.
FORGET_FINE_CELLS = """
DELETE FROM region_assignments
WHERE entity = 'account' AND entity_id = :id AND level ~ :fine
"""
CLEAR_NOTES = """
UPDATE interactions SET notes = NULL, notes_encrypted = NULL
WHERE account_id = :id AND (notes IS NOT NULL OR notes_encrypted IS NOT NULL)
"""
CLEAR_RESPONSES = """
UPDATE campaign_members SET response = NULL WHERE account_id = :id AND response IS NOT NULL
"""
FORGET_CACHE = """
DELETE FROM geocode_cache WHERE address_key = ANY(:keys)
"""
# Rows a load refused keep the raw record; drop the ones that hold this person.
FORGET_REJECTS = """
DELETE FROM load_rejects
WHERE EXISTS (SELECT 1 FROM unnest(CAST(:needles AS text[])) n
              WHERE strpos(lower(CAST("row" AS text)), lower(n)) > 0)
"""
VACUUM = "VACUUM (ANALYZE) accounts, interactions, campaign_members, geocode_cache, load_rejects"

CONTACTS = """
SELECT account_id, source, external_id, channel, name, email, phone, street, unit, city,
       region, postcode, country, segment, status
FROM marketing_contacts
WHERE channel = :channel
  AND (CAST(:statuses AS text[]) IS NULL OR status = ANY(:statuses))
  AND (CAST(:segments AS text[]) IS NULL OR segment = ANY(:segments))
  AND (CAST(:region_ids AS bigint[]) IS NULL OR account_id IN (
      SELECT entity_id FROM region_assignments
      WHERE entity = 'account' AND region_id = ANY(:region_ids)))
ORDER BY account_id
"""
REGION_IDS = """
SELECT id, level, code FROM regions WHERE code = ANY(:codes)
"""

# --- notes encrypted at rest (the key is set on the connection as gcrm.key) -----------------
HAS_KEY = "SELECT coalesce(current_setting('gcrm.key', true), '') <> ''"
ENCRYPT_NOTES = """
UPDATE interactions
SET notes_encrypted = pgp_sym_encrypt(notes, current_setting('gcrm.key')), notes = NULL
WHERE notes IS NOT NULL AND coalesce(current_setting('gcrm.key', true), '') <> ''
"""
REENCRYPT_NOTES = """
UPDATE interactions
SET notes_encrypted = pgp_sym_encrypt(pgp_sym_decrypt(notes_encrypted, :old), :new)
WHERE notes_encrypted IS NOT NULL
"""
