"""The cube's grouping sets, computed in-process by DuckDB over facts read out of PostGIS.

Why not GROUP BY GROUPING SETS inside PostgreSQL: on 7M sales it took 16 s per region
level for a single grouping (bench/cube_build.py has the figures); DuckDB does every
level and split in a few seconds on the same two cores. PostGIS stays the system of
record and holds the cube tables; this module only turns facts into cells.

Input tables (registered by gcrm.cube.build): ``accounts(id, segment, status,
customer_since, churned_at)``, ``assignments(account_id, level, region_id)``,
``sales(account_id, month, amount, quantity, category, channel)``,
``service(account_id, month, complaint, satisfaction)``, ``levels(name, kind)``.
Boundary levels get every split; grid (H3) levels only the region total, to keep the
cube small (they are for density maps).
"""

from __future__ import annotations

import datetime as dt

from gcrm.cube.definitions import SPLITS


def _grouping(dims: tuple[str, ...]) -> tuple[str, str, str]:
    """(dim expression, member expression, GROUPING SETS body) for one-at-a-time splits."""
    dim = "CASE " + " ".join(f"WHEN GROUPING({d}) = 0 THEN '{d}'" for d in dims) + " ELSE '*' END"
    member = f"coalesce({', '.join(dims)}, '*')"
    sets = ", ".join(["(level, region_id, month)"]
                     + [f"(level, region_id, month, {d})" for d in dims])
    return dim, member, sets


def sales_cells(boundary_only: bool) -> str:
    dims = SPLITS["sales"] if boundary_only else ()
    dim, member, sets = _grouping(dims) if dims else ("'*'", "'*'", "(level, region_id, month)")
    kind = "boundary" if boundary_only else "h3"
    return f"""
    SELECT level, {dim} AS dim, {member} AS member, region_id, month,
           sum(amount) AS revenue, count(*) AS orders, sum(quantity) AS quantity,
           count(DISTINCT account_id) AS buyers
    FROM (SELECT r.level, r.region_id, s.month, a.segment, a.status, s.category, s.channel,
                 s.amount, s.quantity, s.account_id
          FROM sales s JOIN accounts a ON a.id = s.account_id
          JOIN assignments r ON r.account_id = s.account_id
          JOIN levels l ON l.name = r.level AND l.kind {'<>' if kind == 'boundary' else '='} 'h3')
    GROUP BY GROUPING SETS ({sets})"""


def service_cells(boundary_only: bool) -> str:
    dims = SPLITS["service"] if boundary_only else ()
    dim, member, sets = _grouping(dims) if dims else ("'*'", "'*'", "(level, region_id, month)")
    op = "<>" if boundary_only else "="
    return f"""
    SELECT level, {dim} AS dim, {member} AS member, region_id, month,
           count(*) AS cases, count(*) FILTER (WHERE complaint) AS complaints,
           count(satisfaction) AS rated, coalesce(sum(satisfaction), 0) AS satisfaction_sum,
           count(DISTINCT account_id) AS case_accounts
    FROM (SELECT r.level, r.region_id, c.month, a.segment, a.status, c.complaint,
                 c.satisfaction, c.account_id
          FROM service c JOIN accounts a ON a.id = c.account_id
          JOIN assignments r ON r.account_id = c.account_id
          JOIN levels l ON l.name = r.level AND l.kind {op} 'h3')
    GROUP BY GROUPING SETS ({sets})"""


def customer_cells(first: dt.date, last: dt.date) -> str:
    """Customers at the start and end of every month from ``first`` to ``last``, won and
    lost in it, for every region that ever had a customer (dense: one row a month).

    A customer is an account with a ``customer_since`` date (or the status customer and
    no date: a customer since before the first month), until its ``churned_at``.
    """
    f = f"DATE '{first.isoformat()}'"
    return f"""
    WITH people AS (
        SELECT r.level, r.region_id, l.kind, a.segment,
               date_trunc('month', a.customer_since)::date AS won,
               date_trunc('month', a.churned_at)::date AS lost
        FROM accounts a JOIN assignments r ON r.account_id = a.id
        JOIN levels l ON l.name = r.level
        WHERE a.customer_since IS NOT NULL OR a.status = 'customer'
    ), split AS (
        SELECT level, region_id, '*' AS dim, '*' AS member, won, lost FROM people
        UNION ALL
        SELECT level, region_id, 'segment', segment, won, lost FROM people WHERE kind <> 'h3'
    ), moves AS (  -- stock changes (before the first month counted in it) and in-month counts
        SELECT level, dim, member, region_id, greatest(coalesce(won, {f}), {f}) AS month,
               1 AS delta, CASE WHEN won >= {f} THEN 1 ELSE 0 END AS won_n, 0 AS lost_n
        FROM split
        UNION ALL
        SELECT level, dim, member, region_id, greatest(lost, {f}), -1, 0,
               CASE WHEN lost >= {f} THEN 1 ELSE 0 END
        FROM split WHERE lost IS NOT NULL
    ), monthly AS (
        SELECT level, dim, member, region_id, month, sum(delta) AS delta,
               sum(won_n) AS won_n, sum(lost_n) AS lost_n
        FROM moves GROUP BY ALL
    ), dense AS (
        SELECT k.level, k.dim, k.member, k.region_id, m.month
        FROM (SELECT DISTINCT level, dim, member, region_id FROM monthly) k
        CROSS JOIN (SELECT unnest(generate_series({f}, DATE '{last.isoformat()}',
                                                  INTERVAL 1 MONTH))::date AS month) m
    )
    SELECT d.level, d.dim, d.member, d.region_id, d.month,
           sum(coalesce(x.delta, 0)) OVER w - coalesce(x.won_n, 0) + coalesce(x.lost_n, 0)
               AS customers_start,
           sum(coalesce(x.delta, 0)) OVER w AS customers_end,
           coalesce(x.won_n, 0) AS new_customers, coalesce(x.lost_n, 0) AS churned_customers
    FROM dense d LEFT JOIN monthly x USING (level, dim, member, region_id, month)
    WHERE d.month <= DATE '{last.isoformat()}'
    WINDOW w AS (PARTITION BY d.level, d.dim, d.member, d.region_id ORDER BY d.month)"""


ACCOUNT_CELLS = """
SELECT level, dim, member, region_id, count(*) AS accounts,
       count(*) FILTER (WHERE status = 'customer') AS customers_now,
       count(*) FILTER (WHERE status = 'prospect') AS prospects
FROM (SELECT r.level, r.region_id, l.kind, s.dim,
             CASE s.dim WHEN 'segment' THEN a.segment WHEN 'status' THEN a.status ELSE '*' END
                 AS member, a.status
      FROM accounts a JOIN assignments r ON r.account_id = a.id
      JOIN levels l ON l.name = r.level
      CROSS JOIN (VALUES ('*'), ('segment'), ('status')) s(dim)
      WHERE s.dim = '*' OR l.kind <> 'h3')
GROUP BY ALL
"""

# Region R is visible to a manager of region S when every account assigned to R is
# assigned to S (S at another level), or R is S.
VISIBILITY = """
WITH totals AS (SELECT region_id, count(*) AS n FROM assignments GROUP BY ALL),
pairs AS (
    SELECT r.region_id, s.region_id AS scope_id, count(*) AS n
    FROM assignments r JOIN assignments s ON s.account_id = r.account_id AND s.level <> r.level
    GROUP BY ALL
)
SELECT p.scope_id, p.region_id FROM pairs p JOIN totals t USING (region_id) WHERE p.n = t.n
UNION ALL
SELECT region_id, region_id FROM totals
"""

# The months the cube covers: from the first month with a sale or a case (customers won
# before it count in its opening stock) to the last month with any fact or customer date.
MONTH_RANGE = """
SELECT coalesce(
           (SELECT min(m) FROM (SELECT min(month) AS m FROM sales
                                UNION ALL SELECT min(month) FROM service)),
           (SELECT date_trunc('month', min(customer_since))::date FROM accounts)),
       (SELECT max(m) FROM (SELECT max(month) AS m FROM sales
                            UNION ALL SELECT max(month) FROM service
                            UNION ALL SELECT date_trunc('month', max(customer_since))::date
                                      FROM accounts
                            UNION ALL SELECT date_trunc('month', max(churned_at))::date
                                      FROM accounts))
"""
