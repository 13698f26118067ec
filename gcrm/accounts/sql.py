"""The SQL of the Customers & prospects page, in one place.

Two families of queries, chosen by whether the signed-in user may read personal columns
(``has_column_privilege`` on ``accounts.geom``):

* personal-data roles (admin, marketer, manager) read ``accounts`` itself: exact points,
  real names, the GiST index on ``geom`` finds a view's accounts;
* the others (analyst, planner) may not name ``accounts.name`` or ``accounts.geom`` at all:
  they find a view's accounts by ``accounts.geom_masked`` (the point snapped to 0.01
  degree, as ``account_profiles`` shows it; its own GiST index, migration 0027) and read
  names and points from ``account_profiles`` only (masked names, snapped points), fetched
  by id so the view never scans the whole table.

Zoomed out, everybody sees counts per H3 cell: from the regional cube when it holds the
answer (no filter, or one status or segment, for roles that see every account), else
counted live. Without an H3 grid, counts fall back to a square grid over the points.

Row-level security applies to every query (a manager sees their regions only). Filters are
fixed clauses with their own bound parameters (``FILTERS``); no user value is ever
formatted into the text. ``{where}`` takes only clauses from ``FILTERS``.
"""

SEES_PII = "SELECT has_column_privilege('public.accounts', 'geom', 'SELECT')"
SEES_ALL = "SELECT coalesce(gcrm_sees_all_accounts(), false)"
# H3 levels the user may see (finer cells are hidden from roles without personal data).
GRID_LEVELS = """
SELECT l.name FROM region_levels l
WHERE l.kind = 'h3' AND EXISTS (SELECT 1 FROM regions r WHERE r.level = l.name)
"""
EXTENT = """
SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)
FROM (SELECT ST_Extent(r.geom) AS e FROM regions r JOIN region_levels l ON l.name = r.level
      WHERE l.kind <> 'h3' AND l.depth = 0) x
"""
# A manager's own regions (their scope); empty for roles that see every account.
SCOPE_EXTENT = """
SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)
FROM (SELECT ST_Extent(r.geom) AS e FROM regions r
      WHERE NOT coalesce(gcrm_sees_all_accounts(), false)
        AND r.id = ANY(gcrm_scope_region_ids())) x
"""

ENVELOPE = "ST_MakeEnvelope(:west, :south, :east, :north, 4326)"

# --- filters: each a clause on ``a`` (accounts, non-personal columns only) ---------------
FILTERS = {
    "status": "AND a.status = :f_status",
    "segment": "AND a.segment = :f_segment",
    "owner": "AND a.owner_rep_id = ANY(CAST(:f_owner AS bigint[]))",
    "region": ("AND a.id IN (SELECT f.entity_id FROM region_assignments f "
               "WHERE f.entity = 'account' AND f.region_id = :f_region)"),
}
# Search: a name part (personal-data roles only: others may not read names), an external
# id or gcrm's own id. The pattern is escaped by the caller and bound.
SEARCH_PII = ("AND (a.name ILIKE :f_pattern ESCAPE '\\' OR a.external_id = :f_term "
              "OR a.id = :f_id)")
SEARCH_MASKED = "AND (a.external_id = :f_term OR a.id = :f_id)"

# --- checking filter values (cheap when the value exists; listing only on a miss) -------
STATUSES = "SELECT unnest(ARRAY['customer', 'prospect', 'churned'])"  # ck_accounts_status_known
# Segments are the company's own list (gcrm.vocab), plus any stored outside a load.
SEGMENT_EXISTS = """
SELECT EXISTS (SELECT 1 FROM vocabulary_values WHERE field = 'segment' AND value = :value)
    OR EXISTS (SELECT 1 FROM accounts WHERE segment = :value)
"""
SEGMENTS = """
SELECT value FROM vocabulary_values WHERE field = 'segment'
UNION SELECT segment FROM accounts WHERE segment IS NOT NULL ORDER BY 1
"""
OWNER_IDS = "SELECT id FROM reps WHERE name = :value OR id::text = :value ORDER BY id"
OWNERS = "SELECT name FROM reps WHERE name IS NOT NULL ORDER BY 1"
# The owners of accounts the user may see (row-level security on accounts decides).
VISIBLE_OWNERS = """
SELECT rep.name FROM reps rep
WHERE rep.name IS NOT NULL
  AND (coalesce(gcrm_sees_all_accounts(), false)
       OR EXISTS (SELECT 1 FROM accounts a WHERE a.owner_rep_id = rep.id))
ORDER BY 1
"""
REGION_IDS = """
SELECT id, level FROM regions
WHERE code = :code AND (CAST(:level AS text) IS NULL OR level = :level) ORDER BY level
"""
REGION_CODES = """
SELECT level || ':' || code FROM regions r JOIN region_levels l ON l.name = r.level
WHERE l.kind <> 'h3' ORDER BY l.depth, r.code
"""
# The regions the user may see accounts in: every region for most roles; a manager's own
# regions and the regions inside them.
VISIBLE_REGION_CODES = """
WITH RECURSIVE tree AS (
    SELECT id FROM regions
    WHERE NOT coalesce(gcrm_sees_all_accounts(), false) AND id = ANY(gcrm_scope_region_ids())
    UNION
    SELECT r.id FROM regions r JOIN tree t ON r.parent_id = t.id
)
SELECT r.level || ':' || r.code AS code, coalesce(r.name, r.code) AS name
FROM regions r JOIN region_levels l ON l.name = r.level
WHERE l.kind <> 'h3'
  AND (coalesce(gcrm_sees_all_accounts(), false) OR r.id IN (SELECT id FROM tree))
ORDER BY l.depth, r.code
"""

# --- zoomed in: the accounts themselves ----------------------------------------------------
# First how many are in view, counting no further than :limit (limit + 1 when asked
# whether there are more): the GiST index of the exact point (personal-data roles) or of
# the masked one (``geom_masked``, the point snapped as ``account_profiles`` shows it).
IN_VIEW_PII = f"""
SELECT count(*) FROM (SELECT 1 FROM accounts a WHERE a.geom && {ENVELOPE} {{where}}
                      LIMIT :limit) x
"""
IN_VIEW_MASKED = f"""
SELECT count(*) FROM (SELECT 1 FROM accounts a WHERE a.geom_masked && {ENVELOPE} {{where}}
                      LIMIT :limit) x
"""
ACCOUNTS_PII = f"""
SELECT a.id, a.name, a.status, a.segment, rep.name AS owner, ST_X(a.geom) AS lon,
       ST_Y(a.geom) AS lat
FROM accounts a LEFT JOIN reps rep ON rep.id = a.owner_rep_id
WHERE a.geom && {ENVELOPE} {{where}}
LIMIT :limit
"""
# Ids first (by the masked point's index, non-personal columns), then the masked view by
# id: ``id = ANY(array)`` is leakproof, so it reaches the view's primary-key index.
ACCOUNTS_MASKED = f"""
SELECT p.id, p.name, p.status, p.segment, rep.name AS owner, ST_X(p.geom) AS lon,
       ST_Y(p.geom) AS lat
FROM account_profiles p LEFT JOIN reps rep ON rep.id = p.owner_rep_id
WHERE p.id = ANY(CAST((SELECT array_agg(a.id) FROM accounts a
                       WHERE a.geom_masked && {ENVELOPE} {{where}}) AS bigint[]))
LIMIT :limit
"""

# --- search: accounts anywhere ---------------------------------------------------------------
FOUND_PII = """
SELECT a.id, a.name, a.status, a.segment, rep.name AS owner, ST_X(a.geom) AS lon,
       ST_Y(a.geom) AS lat
FROM accounts a LEFT JOIN reps rep ON rep.id = a.owner_rep_id
WHERE true {where} ORDER BY a.id LIMIT :limit
"""
FOUND_MASKED = """
SELECT p.id, p.name, p.status, p.segment, rep.name AS owner, ST_X(p.geom) AS lon,
       ST_Y(p.geom) AS lat
FROM account_profiles p LEFT JOIN reps rep ON rep.id = p.owner_rep_id
WHERE p.id = ANY(CAST((SELECT array_agg(a.id) FROM accounts a WHERE true {where})
                      AS bigint[]))
ORDER BY p.id LIMIT :limit
"""

# --- zoomed out: counts per cell -----------------------------------------------------------
# No H3 grid (small worlds): a square grid of :size degrees over the points (exact for
# personal-data roles, GiST on geom); a cell stands at the mean of its points. Each point's
# coordinates are read once (OFFSET 0 keeps the subquery from being folded into the sums).
def _squares(point: str) -> str:
    """Counts in squares of :size degrees over ``accounts.<point>`` in the view."""
    return f"""
SELECT floor((q.x + 180) / :size)::bigint AS gx, floor((q.y + 90) / :size)::bigint AS gy,
       sum(q.x) AS sum_lon, sum(q.y) AS sum_lat, count(*) AS count,
       count(*) FILTER (WHERE q.status = 'customer') AS customers,
       count(*) FILTER (WHERE q.status = 'prospect') AS prospects,
       count(*) FILTER (WHERE q.status = 'churned') AS churned
FROM (SELECT ST_X(a.{point}) AS x, ST_Y(a.{point}) AS y, a.status FROM accounts a
      WHERE a.{point} && {ENVELOPE} {{where}} OFFSET 0) q
GROUP BY 1, 2
"""


GRID_PII = _squares("geom")
# The H3 cells of :level meeting the view, counted live; a cell stands at its centre
# (never an account's own point).
CELLS_LIVE = f"""
SELECT ST_X(ST_Centroid(c.geom)) AS lon, ST_Y(ST_Centroid(c.geom)) AS lat, x.count,
       x.customers, x.prospects, x.churned
FROM (SELECT ra.region_id, count(*) AS count,
             count(*) FILTER (WHERE a.status = 'customer') AS customers,
             count(*) FILTER (WHERE a.status = 'prospect') AS prospects,
             count(*) FILTER (WHERE a.status = 'churned') AS churned
      FROM region_assignments ra JOIN accounts a ON a.id = ra.entity_id
      WHERE ra.entity = 'account' AND ra.level = :level
        AND ra.region_id IN (SELECT r.id FROM regions r WHERE r.level = :level
                             AND r.geom && {ENVELOPE}) {{where}}
      GROUP BY ra.region_id) x
JOIN regions c ON c.id = x.region_id
"""
# The same from the regional cube (as of its last build): for roles that see every account
# and views without filters, or with one status or segment (the cube splits by those).
CELLS_CUBE = f"""
SELECT ST_X(ST_Centroid(r.geom)) AS lon, ST_Y(ST_Centroid(r.geom)) AS lat,
       k.accounts AS count, k.customers_now AS customers, k.prospects,
       k.accounts - k.customers_now - k.prospects AS churned
FROM regions r JOIN cube_accounts k
  ON k.region_id = r.id AND k.level = :level AND k.dim = :dim AND k.member = :member
WHERE r.level = :level AND r.geom && {ENVELOPE} AND k.accounts > 0
"""
CUBE_READY = """
SELECT EXISTS (SELECT 1 FROM cube_accounts WHERE level = :level AND dim = '*')
"""
# The same without personal data: the masked (snapped) points.
GRID_MASKED_NO_GRID = _squares("geom_masked")

# --- one account's history -------------------------------------------------------------------
PROFILE = """
SELECT p.id, p.source, p.external_id, p.name, p.kind, p.status, p.segment, p.email,
       p.phone, p.street, p.unit, p.city, p.region, p.postcode, p.country,
       ST_X(p.geom) AS lon, ST_Y(p.geom) AS lat, p.geocode_precision,
       rep.id AS owner_id, rep.name AS owner, p.customer_since, p.churned_at,
       p.consent_email, p.consent_phone, p.consent_sms, p.consent_mail, p.erased_at,
       p.created_at, p.updated_at
FROM account_profiles p LEFT JOIN reps rep ON rep.id = p.owner_rep_id
WHERE p.id = :id
"""
SALES_BY_MONTH = """
SELECT date_trunc('month', order_date)::date AS month, count(*) AS orders,
       sum(amount)::float8 AS revenue, sum(quantity) AS quantity
FROM sales WHERE account_id = :id GROUP BY 1 ORDER BY 1
"""
ORDERS = """
SELECT s.id, s.order_date, s.amount::float8 AS amount, s.quantity,
       s.product_category AS category, s.channel, site.name AS store
FROM sales s LEFT JOIN sites site ON site.id = s.site_id
WHERE s.account_id = :id ORDER BY s.order_date DESC, s.id DESC LIMIT :limit
"""
CASES = """
SELECT c.id, c.opened_at, c.closed_at, c.case_type, c.channel, c.status, c.satisfaction,
       round((extract(epoch FROM c.closed_at - c.opened_at) / 3600.0)::numeric, 1)::float8
           AS hours_to_close
FROM service_cases c WHERE c.account_id = :id
ORDER BY c.opened_at DESC, c.id DESC LIMIT :limit
"""
INTERACTIONS = """
SELECT i.id, i.occurred_at, i.channel, i.outcome, rep.name AS rep, i.notes
FROM interaction_history i LEFT JOIN reps rep ON rep.id = i.rep_id
WHERE i.account_id = :id ORDER BY i.occurred_at DESC, i.id DESC LIMIT :limit
"""
