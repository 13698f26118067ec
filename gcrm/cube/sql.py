"""The cube's SQL on the PostGIS side, in one place: what a build reads out of the facts,
how it writes cells back, and what queries read."""

# --- reading the facts out (COPY ... TO STDOUT, CSV) --------------------------------------
# Months are first days; :months (a date[]) limits an incremental build, NULL reads all.
EXTRACT = {
    "accounts": """
        SELECT id, coalesce(segment, '(none)'), status, customer_since, churned_at
        FROM accounts""",
    "assignments": """
        SELECT entity_id, level, region_id FROM region_assignments
        WHERE entity = 'account' AND region_id IS NOT NULL""",
    "sales": """
        SELECT account_id, date_trunc('month', order_date)::date, amount, quantity,
               coalesce(product_category, '(none)'), coalesce(channel, '(none)')
        FROM sales {where}""",
    "service": """
        SELECT account_id, date_trunc('month', opened_at AT TIME ZONE 'UTC')::date,
               case_type = 'complaint', satisfaction, case_type
        FROM service_cases {where}""",
}
# An incremental build reads only the changed months, as ranges the date indexes serve
# ({ranges}: one "(col >= first day AND col < next first day)" per month, OR-ed).
EXTRACT_WHERE = {
    "sales": "WHERE {ranges}",
    "service": "WHERE {ranges}",
}
MONTH_RANGE_ON = {
    "sales": "(order_date >= DATE '{first}' AND order_date < DATE '{next}')",
    "service": "(opened_at >= TIMESTAMP '{first}' AT TIME ZONE 'UTC' "
               "AND opened_at < TIMESTAMP '{next}' AT TIME ZONE 'UTC')",
}
# ... and only the accounts with a fact in them, with their splits and regions as the last
# full build wrote them (nothing about accounts changed since, or the build is a full one).
INVOLVED = """
CREATE TEMPORARY TABLE cube_involved ON COMMIT DROP AS
SELECT account_id AS id FROM sales {sales_where}
UNION
SELECT account_id FROM service_cases {service_where}
"""
INVOLVED_PLACES = """
SELECT p.account_id, p.segment, p.status, p.region_ids
FROM cube_places p JOIN cube_involved i ON i.id = p.account_id"""
# The churn scores per month of scoring ({where}: an incremental build's months),
# and the accounts scored in those months among the accounts an incremental build reads.
EXTRACT_RISK = """
SELECT account_id, month, band = 'high', revenue_365 FROM account_risk_months {where}"""
RISK_MONTHS_WHERE = "WHERE month = ANY(CAST('{{{months}}}' AS date[]))"
INVOLVED_RISK = """
INSERT INTO cube_involved
SELECT account_id FROM account_risk_months {where} EXCEPT SELECT id FROM cube_involved
"""
# After writing the risk cells: every region (level, split and member) ever scored gets a
# cell of 0 in each month of scoring it has none in, so the latest month of scoring a
# manager reads in their regions' cells is everyone's (gcrm.cube.query._latest_scoring).
# A scored cell counts at least one customer: the cells of 0 are these, made anew.
RISK_ZEROS = ("DELETE FROM cube_risk WHERE scored_customers = 0", """
INSERT INTO cube_risk (level, dim, member, region_id, month, scored_customers,
                       high_risk_customers, revenue_at_risk)
SELECT k.level, k.dim, k.member, k.region_id, m.month, 0, 0, 0
FROM (SELECT DISTINCT level, dim, member, region_id FROM cube_risk) k
CROSS JOIN (SELECT DISTINCT month FROM cube_risk) m
ON CONFLICT DO NOTHING
""")
LEVELS = "SELECT name, kind FROM region_levels ORDER BY depth, name"

# --- the build's bookkeeping ----------------------------------------------------------------
START_BUILD = """
INSERT INTO cube_builds (kind, started_at) VALUES (:kind, clock_timestamp()) RETURNING id
"""
FINISH_BUILD = """
UPDATE cube_builds SET finished_at = clock_timestamp(),
    seconds = extract(epoch FROM clock_timestamp() - started_at),
    months = :months, first_month = :first_month, last_month = :last_month,
    source_rows = CAST(:source_rows AS jsonb), cells = CAST(:cells AS jsonb), note = :note
WHERE id = :id
"""
LAST_BUILD_AS = """
SELECT id, kind, started_at, finished_at, seconds, first_month, last_month, {totals}, note
FROM cube_builds WHERE finished_at IS NOT NULL ORDER BY id DESC LIMIT 1
"""
LAST_BUILD = LAST_BUILD_AS.format(totals="source_rows, cells")  # the operator's
ANY_BUILD = "SELECT 1 FROM cube_builds WHERE finished_at IS NOT NULL LIMIT 1"
# The company-wide counts of a build are for the roles that see every account (0020).
TOTALS_VISIBLE = """
SELECT has_column_privilege('public.cube_builds', 'source_rows', 'SELECT')
"""
# '-infinity' (everything) comes back as NULL.
DIRTY = """
SELECT family, CASE WHEN month = '-infinity' THEN NULL ELSE month END
FROM cube_dirty_months ORDER BY family, month
"""
CLEAR_DIRTY = "DELETE FROM cube_dirty_months WHERE family = :family AND month = ANY(:months)"
CLEAR_ALL_DIRTY = "DELETE FROM cube_dirty_months"
SOURCE_ROWS = """
SELECT (SELECT count(*) FROM accounts) AS accounts, (SELECT count(*) FROM sales) AS sales,
       (SELECT count(*) FROM service_cases) AS service_cases
"""
# cube_customers holds only the months facts need (gcrm.cube.compute.customer_cells). After
# an incremental build: the months of :months it holds, and whether anybody was won or lost
# in each; a month that gained its first fact gets the customers of the month before it that
# has a row, carried over (nobody won or lost in between: the accounts did not change, or
# the build would be a full one).
CUSTOMER_MONTHS = """
SELECT month, bool_or(new_customers <> 0 OR churned_customers <> 0) AS moves
FROM cube_customers WHERE month = ANY(:months) GROUP BY month
"""
CARRY_CUSTOMERS = """
INSERT INTO cube_customers (level, dim, member, region_id, month, customers_start,
                            customers_end, new_customers, churned_customers)
SELECT level, dim, member, region_id, CAST(:month AS date), customers_end, customers_end, 0, 0
FROM cube_customers
WHERE month = (SELECT max(month) FROM cube_customers WHERE month < CAST(:month AS date))
"""
DELETE_MONTHS = "DELETE FROM {table} WHERE month = ANY(:months)"
COPY_IN = "COPY {table} ({columns}) FROM STDIN (FORMAT csv)"

# --- queries ---------------------------------------------------------------------------------
# The months the cube holds: cube_customers has every one of them for each of its regions
# (and splits), so one region's months are all of them (read through the primary key).
CUBE_MONTHS = """
SELECT month FROM cube_customers
WHERE (level, dim, member, region_id) = (SELECT level, dim, member, region_id
                                         FROM cube_customers LIMIT 1)
ORDER BY month
"""
FACT_CELL_MONTHS = """
SELECT month FROM cube_sales UNION SELECT month FROM cube_service ORDER BY month
"""
# One family's cells of one level and split; every filter optional (NULL: all).
CELLS = """
SELECT region_id, {month} member, {parts}
FROM {table}
WHERE level = :level AND dim = :dim
  AND (CAST(:members AS text[]) IS NULL OR member = ANY(:members))
  AND (CAST(:regions AS bigint[]) IS NULL OR region_id = ANY(:regions))
  {months}
"""
CELL_MONTHS = "AND month BETWEEN :first AND :last"
# The months of :first to :last (NULL: every month) that have a cell anywhere in a table,
# at any level and split (as the caller may read them).
CELL_MONTHS_HELD = """
SELECT DISTINCT month FROM {table}
WHERE (CAST(:first AS date) IS NULL OR month BETWEEN :first AND :last)
"""
# The last month before :first that cube_customers holds (it holds only the months facts
# need, each with every region).
CUSTOMERS_BEFORE = """
SELECT max(month) FROM cube_customers WHERE level = :level AND dim = :dim AND month < :first
"""
# Regions of :level inside any of :codes at :within (by the region tree, or because every
# account of the region lies inside: how H3 cells fall under states).
REGIONS_WITHIN = """
WITH RECURSIVE scope AS (
    SELECT id FROM regions WHERE level = :within AND code = ANY(:codes)
), tree AS (
    SELECT id FROM scope
    UNION ALL
    SELECT r.id FROM regions r JOIN tree t ON r.parent_id = t.id
)
SELECT id FROM regions
WHERE level = :level AND (id IN (SELECT id FROM tree) OR id IN (
    SELECT v.region_id FROM region_visibility v WHERE v.scope_id IN (SELECT id FROM scope)))
"""
REGION_INFO = """
SELECT r.id AS region_id, r.code, r.name, r.parent_id, r.population, r.households
FROM regions r WHERE r.level = :level
"""
KNOWN_LEVELS = "SELECT name, kind FROM region_levels"
# The values of a split the cube holds at a level (read through the primary key).
MEMBERS = "SELECT DISTINCT member FROM {table} WHERE level = :level AND dim = :dim"
CODES_AT = "SELECT code FROM regions WHERE level = :level AND code = ANY(:codes)"
# From the cases themselves, exactly, whatever the period: the median hours to close (of
# the closed cases), and the open cases past a clock of their type's SLA now (case_slas:
# no first response within its hours, or not resolved within its hours).
CASE_FIGURES = """
SELECT ra.region_id, {keys} {member} AS member,
       percentile_cont(0.5) WITHIN GROUP (
           ORDER BY extract(epoch FROM c.closed_at - c.opened_at) / 3600.0)
           FILTER (WHERE c.closed_at IS NOT NULL) AS median_resolution_hours,
       count(*) FILTER (WHERE c.status <> 'closed' AND (
           c.opened_at + make_interval(secs => s.resolution_hours * 3600) < now()
           OR (c.first_response_at IS NULL
               AND c.opened_at + make_interval(secs => s.first_response_hours * 3600)
                   < now()))) AS overdue_cases
FROM service_cases c
JOIN region_assignments ra ON ra.entity = 'account' AND ra.entity_id = c.account_id
     AND ra.level = :level
LEFT JOIN case_slas s ON s.case_type = c.case_type
{join_accounts}
WHERE (CAST(:regions AS bigint[]) IS NULL OR ra.region_id = ANY(:regions))
  AND (CAST(:first AS date) IS NULL OR (c.opened_at AT TIME ZONE 'UTC') >= :first)
  AND (CAST(:after AS date) IS NULL OR (c.opened_at AT TIME ZONE 'UTC') < :after)
GROUP BY {group}
"""

# Unprofitable customers per period (:ks, :firsts, :lasts: each period's first and last month;
# NULL bounds: every month), the customers of the period (a customer at any time in it, by
# month as the cube counts them) and those whose revenue minus cost to serve over the period
# is below zero, from each account's months (account_margins, written by the build), as the
# caller may see them, in the regions whose cube cells they may see; NULL (blank) in a
# period without any margin.
UNPROFITABLE = """
WITH p AS (
    SELECT * FROM unnest(CAST(:ks AS int[]), CAST(:firsts AS date[]), CAST(:lasts AS date[]))
        AS p(k, first_m, last_m)
), m AS (
    SELECT am.account_id, p.k, sum(am.revenue - am.cost_to_serve) AS margin
    FROM account_margins am JOIN p ON (p.first_m IS NULL OR am.month >= p.first_m)
                                  AND (p.last_m IS NULL OR am.month <= p.last_m)
    GROUP BY 1, 2
), held AS (  -- the periods with any account's margin: without any (no build since 0024,
              -- or nobody bought, was served or contacted), no count but a blank
    SELECT p.k FROM p WHERE EXISTS (
        SELECT 1 FROM account_margins am WHERE (p.first_m IS NULL OR am.month >= p.first_m)
                                           AND (p.last_m IS NULL OR am.month <= p.last_m))
)
SELECT ra.region_id, p.k, {member} AS member,
       CASE WHEN max(h.k) IS NOT NULL
            THEN count(*) FILTER (WHERE m.margin < 0) END AS unprofitable_customers,
       count(*) AS period_customers
FROM accounts a
JOIN region_assignments ra ON ra.entity = 'account' AND ra.entity_id = a.id
     AND ra.level = :level
JOIN p ON (p.last_m IS NULL OR a.customer_since IS NULL
           OR date_trunc('month', a.customer_since) <= p.last_m)
      AND (p.first_m IS NULL OR a.churned_at IS NULL
           OR date_trunc('month', a.churned_at) >= p.first_m)
LEFT JOIN m ON m.account_id = a.id AND m.k = p.k
LEFT JOIN held h ON h.k = p.k
WHERE (a.customer_since IS NOT NULL OR a.status = 'customer')
  AND (CAST(:regions AS bigint[]) IS NULL OR ra.region_id = ANY(:regions))
  -- only the regions whose cells the caller sees (the cube's region policy): a manager's
  -- region straddling their scope shows no partial count
  AND ra.region_id IN (SELECT region_id FROM cube_accounts WHERE level = :level AND dim = '*')
GROUP BY 1, 2, 3
"""
MARGIN_MONTHS = "SELECT min(month), max(month) FROM account_margins"

# Cost to serve: the contacts (interactions) per month and channel ({where}: an incremental
# build's months, as ranges the date index serves), and the accounts with a contact in
# those months among the accounts an incremental build reads.
EXTRACT_CONTACTS = """
SELECT account_id, date_trunc('month', occurred_at AT TIME ZONE 'UTC')::date, channel
FROM interactions {where}"""
CONTACT_MONTH_RANGE = ("(occurred_at >= TIMESTAMP '{first}' AT TIME ZONE 'UTC' "
                       "AND occurred_at < TIMESTAMP '{next}' AT TIME ZONE 'UTC')")
INVOLVED_CONTACTS = """
INSERT INTO cube_involved
SELECT account_id FROM interactions {where} EXCEPT SELECT id FROM cube_involved
"""
