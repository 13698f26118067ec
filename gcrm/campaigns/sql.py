"""The SQL of target lists, campaigns and their responses, in one place.

Every target list reads ``marketing_contacts``: one row per account and channel it agreed
to, erased people left out, readable by marketers and admins only. Nothing here can reach
a person without consent for the campaign's channel.
"""

# The filters of a target list, shared by the list, its count and a campaign's members:
# channel and status always; then, when given, trade areas (the account's point inside one
# of them), regions (assigned to one of them at any level), segments, conditions on the
# context of the account's region at :context_level (every one must hold), and a minimum
# score (the Huff probability that the account's region uses one of the build's (chosen)
# sites: their probabilities added up), a minimum churn risk and the bands to keep. The
# churn risk is the one of :risk_model_id (the newest scored model trained on this
# database, see RISK_MODEL; NULL: none, and nobody has a risk), read as the caller.
_TARGETS = """
FROM marketing_contacts mc
LEFT JOIN account_risk ar ON ar.account_id = mc.account_id
                         AND ar.model_id = CAST(:risk_model_id AS bigint)
LEFT JOIN LATERAL (
    SELECT sum(h.probability) AS score
    FROM region_assignments ra
    JOIN huff_probabilities h ON h.region_id = ra.region_id AND h.build_id = :huff_build_id
    WHERE CAST(:huff_build_id AS bigint) IS NOT NULL
      AND ra.entity = 'account' AND ra.entity_id = mc.account_id AND ra.level = :score_level
      AND (CAST(:score_site_ids AS bigint[]) IS NULL OR h.site_id = ANY(:score_site_ids))
) sc ON true
WHERE mc.channel = :channel
  AND mc.status = ANY(:statuses)
  AND (CAST(:segments AS text[]) IS NULL OR mc.segment = ANY(:segments))
  AND (CAST(:area_ids AS bigint[]) IS NULL OR mc.account_id IN (
      SELECT a.id FROM trade_areas t JOIN accounts a ON ST_Intersects(t.geom, a.geom)
      WHERE t.id = ANY(:area_ids)))
  AND (CAST(:region_ids AS bigint[]) IS NULL OR mc.account_id IN (
      SELECT entity_id FROM region_assignments
      WHERE entity = 'account' AND region_id = ANY(:region_ids)))
  AND (CAST(:context_keys AS text[]) IS NULL OR EXISTS (
      SELECT 1 FROM region_assignments ra JOIN regions r ON r.id = ra.region_id
      WHERE ra.entity = 'account' AND ra.entity_id = mc.account_id
        AND ra.level = :context_level
        AND NOT EXISTS (
            SELECT 1 FROM unnest(CAST(:context_keys AS text[]), CAST(:context_ops AS text[]),
                                 CAST(:context_values AS float8[])) c(k, op, v)
            CROSS JOIN LATERAL (SELECT CASE WHEN jsonb_typeof(r.context->c.k) = 'number'
                                            THEN (r.context->>c.k)::float8 END AS x) n
            WHERE NOT coalesce(CASE c.op
                WHEN '>=' THEN n.x >= c.v WHEN '<=' THEN n.x <= c.v
                WHEN '>' THEN n.x > c.v WHEN '<' THEN n.x < c.v
                WHEN '=' THEN n.x = c.v END, false))))
  AND (CAST(:min_score AS float8) IS NULL OR sc.score >= :min_score)
  AND (CAST(:min_risk AS float8) IS NULL OR ar.risk >= :min_risk)
  AND (CAST(:risk_bands AS text[]) IS NULL OR ar.band = ANY(:risk_bands))
"""
TARGETS = """
SELECT mc.account_id, mc.source, mc.external_id, mc.channel, mc.name, mc.email, mc.phone,
       mc.street, mc.unit, mc.city, mc.region, mc.postcode, mc.country, mc.segment,
       mc.status, round(sc.score::numeric, 4)::float8 AS score,
       round(ar.risk::numeric, 4)::float8 AS risk, ar.band AS risk_band
""" + _TARGETS + """
ORDER BY sc.score DESC NULLS LAST, ar.risk DESC NULLS LAST, mc.account_id
LIMIT :limit
"""
COUNT = "SELECT count(*) " + _TARGETS

TRADE_AREA_IDS = """
SELECT t.id FROM trade_areas t JOIN trade_area_builds b ON b.id = t.build_id
JOIN sites s ON s.id = t.site_id
WHERE b.name = :build AND (CAST(:sites AS text[]) IS NULL OR s.external_id = ANY(:sites))
  AND (CAST(:band AS text) IS NULL OR t.band = :band)
"""
BUILD = "SELECT id, method, params FROM trade_area_builds WHERE name = :name"
SITE_IDS = "SELECT id, external_id FROM sites WHERE external_id = ANY(:codes)"
REGION_IDS = """
SELECT id, code, level FROM regions
WHERE code = ANY(:codes) AND (CAST(:level AS text) IS NULL OR level = :level)
"""
CONTEXT_KEYS = """
SELECT DISTINCT jsonb_object_keys(context) FROM regions WHERE level = :level
"""

# The newest churn model with scores, and whether it was trained on this database
# (migration 0023's function: app roles may not read the models' database identity).
RISK_MODEL = "SELECT model_id, trained_here FROM gcrm_churn_scores()"

CAMPAIGN = "SELECT id, name, channel, params, created_by, created_at FROM campaigns " \
           "WHERE name = :name"
INSERT_CAMPAIGN = """
INSERT INTO campaigns (name, channel, params, created_by)
VALUES (:name, :channel, CAST(:params AS jsonb), :created_by) RETURNING id
"""
INSERT_MEMBERS = """
INSERT INTO campaign_members (campaign_id, account_id, risk, risk_band)
SELECT DISTINCT :campaign_id, mc.account_id, ar.risk, ar.band
""" + _TARGETS
CAMPAIGNS = """
SELECT c.name, c.channel, count(m.account_id) AS members,
       count(m.responded_at) AS responded,
       round(count(m.responded_at)::numeric / nullif(count(m.account_id), 0), 4)::float8
           AS response_rate,
       c.created_by, c.created_at
FROM campaigns c LEFT JOIN campaign_members m ON m.campaign_id = c.id
GROUP BY c.id ORDER BY c.created_at, c.name
"""
# Responses: matched to the campaign's members by the account's (source, external_id).
MEMBERS_BY_KEY = """
SELECT m.account_id, a.source, a.external_id, a.erased_at IS NOT NULL AS erased
FROM campaign_members m JOIN accounts a ON a.id = m.account_id
WHERE m.campaign_id = :campaign_id
"""
RECORD_RESPONSES = """
UPDATE campaign_members m SET responded_at = u.at, response = u.response
FROM unnest(CAST(:accounts AS bigint[]), CAST(:ats AS timestamptz[]),
            CAST(:responses AS text[])) AS u(account_id, at, response)
WHERE m.campaign_id = :campaign_id AND m.account_id = u.account_id
"""
# Response rate by region of a level: members, how many responded, the rate.
RATES = """
SELECT r.code, r.name, count(*) AS members, count(m.responded_at) AS responded,
       round(count(m.responded_at)::numeric / count(*), 4)::float8 AS response_rate,
       ST_AsBinary(ST_SimplifyPreserveTopology(r.geom, 0.0005)) AS wkb
FROM campaign_members m
JOIN region_assignments ra ON ra.entity = 'account' AND ra.entity_id = m.account_id
                          AND ra.level = :level
JOIN regions r ON r.id = ra.region_id
WHERE m.campaign_id = :campaign_id
GROUP BY r.id ORDER BY r.code
"""
# Response by churn risk band at targeting (NULL: the member had no risk then).
RISK_BANDS = """
SELECT coalesce(m.risk_band, 'not scored') AS risk_band, count(*) AS members,
       count(m.responded_at) AS responded,
       count(m.responded_at)::float8 / count(*) AS response_rate
FROM campaign_members m
WHERE m.campaign_id = :campaign_id
GROUP BY m.risk_band
ORDER BY array_position(ARRAY['high', 'medium', 'low'], m.risk_band) NULLS LAST
"""
