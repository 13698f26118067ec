"""The cube's grouping sets, computed in-process by DuckDB over facts read out of PostGIS.

Why not GROUP BY GROUPING SETS inside PostgreSQL: on 7M sales it took 16 s per region
level for a single grouping (bench/cube_build.py has the figures); DuckDB does every
level and split in a few seconds on the same two cores. PostGIS stays the system of
record and holds the cube tables; this module only turns facts into cells.

Input tables (registered by gcrm.cube.build): ``accounts(id, segment, status,
customer_since, churned_at)``, ``assignments(account_id, level, region_id)``,
``sales(account_id, month, amount, quantity, category, channel)``,
``service(account_id, month, complaint, satisfaction, case_type)``, ``levels(name, kind)``.
Boundary levels get every split; grid (H3) levels only the region total, to keep the
cube small (they are for density maps).
"""

from __future__ import annotations

import datetime as dt

from gcrm.cube.definitions import SPLITS

Levels = list[tuple[str, str]]  # (name, kind) in a fixed order: column l0, l1, ...


def places(levels: Levels) -> str:
    """One row per account with its region at every level (columns l0, l1, ...)."""
    columns = ", ".join(f"max(region_id) FILTER (WHERE level = '{name}') AS l{i}"
                        for i, (name, _) in enumerate(levels))
    return f"SELECT account_id, {columns} FROM assignments GROUP BY account_id"


def places_out(levels: Levels) -> str:
    """``places`` with each account's splits, for cube_places (PostgreSQL array text)."""
    ids = ", ".join(f"p.l{i}" for i in range(len(levels)))
    return (f"SELECT p.account_id, a.segment, a.status, '{{' || array_to_string("
            f"list_transform([{ids}], lambda x: coalesce(CAST(x AS VARCHAR), 'NULL')), ',')"
            f" || '}}' FROM places p JOIN accounts a ON a.id = p.account_id")


def places_in(levels: Levels) -> tuple[str, str]:
    """``accounts`` and ``places`` from rows of cube_places (``places_read``)."""
    columns = ", ".join(f"ids[{i + 1}] AS l{i}" for i in range(len(levels)))
    return ("SELECT account_id AS id, segment, status, NULL::DATE AS customer_since, "
            "NULL::DATE AS churned_at FROM places_read",
            f"SELECT account_id, {columns} FROM (SELECT account_id, list_transform("
            f"string_split(trim(region_ids, '{{}}'), ','), lambda x: TRY_CAST(x AS BIGINT))"
            f" AS ids FROM places_read)")


def _cells(levels: Levels, per_account: str, parts: str, people: str,
           splits: tuple[str, ...], grid_too: bool, totals: bool = True) -> str:
    """Cells of every level from rows that are one per account and month (and member):
    sums add up, and counting rows counts distinct people, with no DISTINCT needed.
    ``totals``: also the unsplit cells (grid levels get only those)."""
    sets, level_case, region = [], [], []
    for i, (name, kind) in enumerate(levels):
        if kind == "h3" and not grid_too:
            continue
        if totals:
            sets.append(f"(l{i}, month)")
        if kind != "h3":
            sets += [f"(l{i}, month, {d})" for d in splits]
        level_case.append(f"WHEN GROUPING(l{i}) = 0 THEN '{name}'")
        region.append(f"l{i}")
    if not sets:
        return ""
    dim = ("CASE " + " ".join(f"WHEN GROUPING({d}) = 0 THEN '{d}'" for d in splits)
           + " ELSE '*' END") if splits else "'*'"
    member = f"coalesce({', '.join(splits)}, '*')" if splits else "'*'"
    columns = ", ".join(f"pl.l{i}" for i in range(len(levels)))
    return f"""
    SELECT * FROM (
        SELECT CASE {' '.join(level_case)} END AS level, {dim} AS dim, {member} AS member,
               coalesce({', '.join(region)}) AS region_id, month, {parts}, {people}
        FROM (SELECT p.*, a.segment, a.status, {columns}
              FROM ({per_account}) p JOIN accounts a ON a.id = p.account_id
              JOIN places pl ON pl.account_id = p.account_id)
        GROUP BY GROUPING SETS ({', '.join(sets)}))
    WHERE region_id IS NOT NULL"""


_SALES_PARTS = ("sum(revenue)::DECIMAL(18,2) AS revenue, sum(orders) AS orders, "
                "sum(quantity) AS quantity")


def sales_cells(levels: Levels) -> str:
    """Revenue, orders, quantity and buyers per level, region, month and one split."""
    base = ("SELECT account_id, month{extra}, sum(amount) AS revenue, count(*) AS orders, "
            "sum(quantity) AS quantity FROM sales GROUP BY ALL")
    parts = [
        _cells(levels, base.format(extra=""), _SALES_PARTS, "count(*) AS buyers",
               ("segment", "status"), grid_too=True),
        _cells(levels, base.format(extra=", category"), _SALES_PARTS, "count(*) AS buyers",
               ("category",), grid_too=False, totals=False),
        _cells(levels, base.format(extra=", channel"), _SALES_PARTS, "count(*) AS buyers",
               ("channel",), grid_too=False, totals=False),
    ]
    return " UNION ALL ".join(p for p in parts if p)


def service_cells(levels: Levels) -> str:
    """Cases, complaints, satisfaction and people with a case, per level, region, month and
    one split: the account's segment or status, or the case's type (every type the cases
    hold is a member: the company's own list, gcrm.vocab)."""
    base = ("SELECT account_id, month{extra}, count(*) AS cases, "
            "count(*) FILTER (WHERE complaint) AS complaints, count(satisfaction) AS rated, "
            "coalesce(sum(satisfaction), 0) AS satisfaction_sum FROM service GROUP BY ALL")
    parts = ("sum(cases) AS cases, sum(complaints) AS complaints, sum(rated) AS rated, "
             "sum(satisfaction_sum) AS satisfaction_sum")
    of_account = tuple(s for s in SPLITS["service"] if s != "case_type")
    cells = [
        _cells(levels, base.format(extra=""), parts, "count(*) AS case_accounts", of_account,
               grid_too=True),
        _cells(levels, base.format(extra=", case_type"), parts, "count(*) AS case_accounts",
               ("case_type",), grid_too=False, totals=False),
    ]
    return " UNION ALL ".join(c for c in cells if c)


def risk_cells(levels: Levels) -> str:
    """Customers scored, those in the high band and their revenue over the 365 days before
    scoring, per level, region, month of scoring and segment, from ``risk(account_id,
    month, high, revenue)`` (one row per customer and month of scoring: counting rows
    counts people)."""
    base = ("SELECT account_id, month, CASE WHEN high THEN 1 ELSE 0 END AS high, "
            "CASE WHEN high THEN revenue ELSE 0 END AS at_risk FROM risk")
    return _cells(levels, base, "sum(high) AS high_risk_customers, "
                  "sum(at_risk)::DECIMAL(18,2) AS revenue_at_risk",
                  "count(*) AS scored_customers", SPLITS["risk"], grid_too=True)


def customer_cells(first: dt.date, last: dt.date) -> str:
    """Customers at the start and end of the months from ``first`` to ``last`` that facts
    need, won and lost in them, for every region that ever had a customer.

    The months are those with a sale, a case, or a customer won or lost (dense over them,
    not over the calendar): between two of them nobody is won or lost, so a month with no
    row has the customers at the end of the last month before it that has one (what
    gcrm.cube.query carries into a period without any). A sale dated 0001-01-01 adds one
    month, not twenty thousand years of empty ones.

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
    ), months AS (  -- the months facts need: a sale, a case, a customer won or lost
        SELECT month FROM sales UNION SELECT month FROM service UNION SELECT month FROM monthly
    ), dense AS (
        SELECT k.level, k.dim, k.member, k.region_id, m.month
        FROM (SELECT DISTINCT level, dim, member, region_id FROM monthly) k
        CROSS JOIN (SELECT month FROM months WHERE month BETWEEN {f}
                                                   AND DATE '{last.isoformat()}') m
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
      CROSS JOIN (VALUES ('*'), ('segment'), ('status')) s(dim))
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

# The months that hold a fact (after an incremental build: of the months it read).
FACT_MONTHS = "SELECT month FROM sales UNION SELECT month FROM service"

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


# Cost to serve: each account's revenue and cost to serve per month, from the sales, the
# cases priced by type and the contacts priced by channel (``cost_rates(kind, item, rate)``,
# gcrm.costs.effective: a type or channel without a rate takes its kind's '*'). Returns are
# cases of type 'return' (sales amounts are never negative): return_cost is part of
# case_cost. Decimal throughout, so regions add up to the cent.
COST_MONTHS = """
CREATE TABLE cost_months AS
SELECT account_id, month, sum(revenue)::DECIMAL(18,2) AS revenue,
       sum(case_cost)::DECIMAL(18,2) AS case_cost,
       sum(return_cost)::DECIMAL(18,2) AS return_cost,
       sum(contact_cost)::DECIMAL(18,2) AS contact_cost
FROM (
    SELECT account_id, month, amount::DECIMAL(18,2) AS revenue, 0::DECIMAL(18,2) AS case_cost,
           0::DECIMAL(18,2) AS return_cost, 0::DECIMAL(18,2) AS contact_cost
    FROM sales
    UNION ALL
    SELECT s.account_id, s.month, 0, coalesce(r.rate, d.rate),
           CASE WHEN s.case_type = 'return' THEN coalesce(r.rate, d.rate) ELSE 0 END, 0
    FROM service s LEFT JOIN cost_rates r ON r.kind = 'case' AND r.item = s.case_type
    LEFT JOIN cost_rates d ON d.kind = 'case' AND d.item = '*'
    UNION ALL
    SELECT c.account_id, c.month, 0, 0, 0, coalesce(r.rate, d.rate)
    FROM contacts c LEFT JOIN cost_rates r ON r.kind = 'contact' AND r.item = c.channel
    LEFT JOIN cost_rates d ON d.kind = 'contact' AND d.item = '*'
)
GROUP BY account_id, month
"""
ACCOUNT_MARGINS = ("SELECT account_id, month, revenue, case_cost + contact_cost "
                   "FROM cost_months")


def cost_cells(levels: Levels) -> str:
    """Cost to serve (cases, of which returns, and contacts), margin (revenue minus cost to
    serve) and accounts served (with a sale, case or contact in the month), per level,
    region, month and one split, from ``cost_months`` (one row per account and month)."""
    base = ("SELECT account_id, month, case_cost + contact_cost AS cost_to_serve, case_cost, "
            "return_cost, contact_cost, revenue - case_cost - contact_cost AS margin "
            "FROM cost_months")
    parts = ", ".join(f"sum({p})::DECIMAL(18,2) AS {p}" for p in (
        "cost_to_serve", "case_cost", "return_cost", "contact_cost", "margin"))
    return _cells(levels, base, parts, "count(*) AS served_accounts", SPLITS["cost"],
                  grid_too=True)

# A full build's sales and service cases read from the lake (gcrm.cube.lake_facts) instead
# of PostGIS, as the same columns EXTRACT gives ({files}: a list of Parquet paths), of the
# accounts PostGIS holds (LAKE_UNKNOWN counts the others). The month is computed from the
# date, as PostGIS does, not taken from the folder's name.
LAKE_FACTS = {
    "sales": """
        SELECT account_id, date_trunc('month', order_date)::DATE AS month, amount,
               quantity::BIGINT AS quantity, coalesce(category, '(none)') AS category,
               coalesce(channel, '(none)') AS channel
        FROM read_parquet({files}, hive_partitioning = false)
        SEMI JOIN accounts a ON a.id = account_id""",
    "service": """
        SELECT account_id,
               date_trunc('month', (opened_at AT TIME ZONE 'UTC'))::DATE AS month,
               case_type = 'complaint' AS complaint, satisfaction::INTEGER AS satisfaction,
               case_type
        FROM read_parquet({files}, hive_partitioning = false)
        SEMI JOIN accounts a ON a.id = account_id""",
}
LAKE_NONE = {
    "sales": "SELECT NULL::BIGINT AS account_id, NULL::DATE AS month, "
             "NULL::DECIMAL(14,2) AS amount, NULL::BIGINT AS quantity, "
             "NULL::VARCHAR AS category, NULL::VARCHAR AS channel WHERE false",
    "service": "SELECT NULL::BIGINT AS account_id, NULL::DATE AS month, "
               "NULL::BOOLEAN AS complaint, NULL::INTEGER AS satisfaction, "
               "NULL::VARCHAR AS case_type WHERE false",
}
# Lake facts whose account PostGIS does not hold: they have no region, so no cell.
LAKE_UNKNOWN = """
SELECT count(*) FROM read_parquet({files}, hive_partitioning = false) f
ANTI JOIN accounts a ON a.id = f.account_id"""
# A lake file's rows of a month other than its folder's (on Dask a month is one task's).
LAKE_MISPLACED = {
    "sales": """
        SELECT filename, strftime(order_date, '%Y-%m') FROM read_parquet({files},
            hive_partitioning = false, filename = true)
        WHERE strftime(order_date, '%Y-%m') <> regexp_extract(filename, 'month=([0-9-]+)', 1)
        LIMIT 1""",
    "service": """
        SELECT filename, strftime(opened_at AT TIME ZONE 'UTC', '%Y-%m')
        FROM read_parquet({files}, hive_partitioning = false, filename = true)
        WHERE strftime(opened_at AT TIME ZONE 'UTC', '%Y-%m')
              <> regexp_extract(filename, 'month=([0-9-]+)', 1)
        LIMIT 1""",
}
