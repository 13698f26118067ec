"""The churn model's SQL: one query per feature family, each reading facts dated on or
before the cutoff only (``:cutoff`` a date; ``:until`` the first instant after it, UTC).

Every query starts from ``POPULATION``: the customers at the cutoff (became customers on
or before it, not churned by it), optionally one in ``:sample`` of them (by id, so the
same customers at every cutoff). The label, churned in (cutoff, cutoff + horizon], is
read from the account's ``churned_at`` in ``BASE`` and nowhere else.
"""

# The rule of who is a customer at a cutoff, for account ``a`` (``{cutoff}``: the cutoff
# date as the query binds it): not a prospect, a customer on or before it, not churned by
# it. The churn model's population and the value model's customers both use it.
CUSTOMER_AT = """a.status <> 'prospect'
      AND coalesce(a.customer_since, {cutoff}) <= {cutoff}
      AND (a.churned_at IS NULL OR a.churned_at > {cutoff})"""

POPULATION = f"""
population AS (
    SELECT a.id AS account_id FROM accounts a
    WHERE {CUSTOMER_AT.format(cutoff="CAST(:cutoff AS date)")}
      AND a.id % :sample = 0
)"""

# The account row: what it is and since when (never its current status).
BASE = f"""
WITH {POPULATION}
SELECT a.id AS account_id,
       CAST(:cutoff AS date) - a.customer_since AS tenure_days,
       coalesce(a.segment, '') AS segment, a.kind,
       (a.churned_at IS NOT NULL
        AND a.churned_at <= CAST(:cutoff AS date) + CAST(:horizon AS integer)) AS churned
FROM population p JOIN accounts a ON a.id = p.account_id
"""

# Recency, frequency, monetary value and their trend; orders by channel and category
# ({channels} and {categories}: FILTER columns with bound values).
SALES = """
WITH {population}
SELECT s.account_id,
       CAST(:cutoff AS date) - max(s.order_date) AS recency_days,
       count(*) AS orders_total,
       count(*) FILTER (WHERE s.order_date > CAST(:cutoff AS date) - 365) AS orders_365,
       coalesce(sum(s.amount) FILTER (WHERE s.order_date > CAST(:cutoff AS date) - 365), 0)
           AS revenue_365,
       count(*) FILTER (WHERE s.order_date > CAST(:cutoff AS date) - 90) AS orders_90,
       count(*) FILTER (WHERE s.order_date > CAST(:cutoff AS date) - 90)
         - count(*) FILTER (WHERE s.order_date > CAST(:cutoff AS date) - 180
                            AND s.order_date <= CAST(:cutoff AS date) - 90) AS orders_trend_90,
       coalesce(sum(s.amount) FILTER (WHERE s.order_date > CAST(:cutoff AS date) - 90), 0)
         - coalesce(sum(s.amount) FILTER (WHERE s.order_date > CAST(:cutoff AS date) - 180
                                          AND s.order_date <= CAST(:cutoff AS date) - 90), 0)
           AS revenue_trend_90
       {channels}{categories}
FROM sales s JOIN population p ON p.account_id = s.account_id
WHERE s.order_date <= CAST(:cutoff AS date)
GROUP BY s.account_id
"""

# Service: cases, complaints, satisfaction and resolution time known at the cutoff (a
# case's satisfaction and resolution only once it was closed by then; its current status
# is never read).
CASES = """
WITH {population}
SELECT c.account_id,
       count(*) AS cases_total,
       count(*) FILTER (WHERE c.opened_at >= :until - interval '365 days') AS cases_365,
       count(*) FILTER (WHERE c.opened_at >= :until - interval '90 days') AS cases_90,
       count(*) FILTER (WHERE c.case_type = 'complaint') AS complaints_total,
       count(*) FILTER (WHERE c.case_type = 'complaint'
                        AND c.opened_at >= :until - interval '365 days') AS complaints_365,
       count(*) FILTER (WHERE c.closed_at IS NULL OR c.closed_at >= :until) AS cases_open,
       avg(c.satisfaction) FILTER (WHERE c.closed_at < :until) AS satisfaction_mean,
       min(c.satisfaction) FILTER (WHERE c.closed_at < :until) AS satisfaction_min,
       avg(extract(epoch FROM c.closed_at - c.opened_at) / 3600)
           FILTER (WHERE c.closed_at < :until) AS resolution_hours,
       extract(epoch FROM :until - max(c.opened_at)) / 86400 AS days_since_case
FROM service_cases c JOIN population p ON p.account_id = c.account_id
WHERE c.opened_at < :until
GROUP BY c.account_id
"""

# Contacts by channel ({channels}: FILTER columns with bound values).
CONTACTS = """
WITH {population}
SELECT i.account_id,
       count(*) AS contacts_total,
       count(*) FILTER (WHERE i.occurred_at >= :until - interval '365 days') AS contacts_365,
       extract(epoch FROM :until - max(i.occurred_at)) / 86400 AS days_since_contact
       {channels}
FROM interactions i JOIN population p ON p.account_id = i.account_id
WHERE i.occurred_at < :until
GROUP BY i.account_id
"""

# The account's region context at the ZIP and county levels: the share of the region's
# customers of the year before the cutoff who churned in that year, and its complaints
# per such customer in that year (every account's own facts before the cutoff).
REGION = f"""
WITH {POPULATION},
placed AS (
    SELECT ra.entity_id AS account_id, ra.level, ra.region_id
    FROM region_assignments ra
    WHERE ra.entity = 'account' AND ra.level IN ('zip', 'county') AND ra.region_id IS NOT NULL
),
customers AS (
    SELECT pl.level, pl.region_id,
           count(*) AS customers,
           count(*) FILTER (WHERE a.churned_at <= CAST(:cutoff AS date)) AS lost
    FROM accounts a JOIN placed pl ON pl.account_id = a.id
    WHERE a.status <> 'prospect'
      AND coalesce(a.customer_since, CAST(:cutoff AS date)) <= CAST(:cutoff AS date)
      AND (a.churned_at IS NULL OR a.churned_at > CAST(:cutoff AS date) - 365)
    GROUP BY pl.level, pl.region_id
),
complaints AS (
    SELECT pl.level, pl.region_id, count(*) AS complaints
    FROM service_cases c JOIN placed pl ON pl.account_id = c.account_id
    WHERE c.case_type = 'complaint' AND c.opened_at < :until
      AND c.opened_at >= :until - interval '365 days'
    GROUP BY pl.level, pl.region_id
),
rates AS (
    SELECT cu.level, cu.region_id,
           cu.lost::float / cu.customers AS churn_rate,
           coalesce(co.complaints, 0)::float / cu.customers AS complaints_per_customer
    FROM customers cu LEFT JOIN complaints co USING (level, region_id)
)
SELECT p.account_id,
       max(r.churn_rate) FILTER (WHERE r.level = 'zip') AS zip_churn_rate_365,
       max(r.complaints_per_customer) FILTER (WHERE r.level = 'zip')
           AS zip_complaints_per_customer_365,
       max(r.churn_rate) FILTER (WHERE r.level = 'county') AS county_churn_rate_365
FROM population p
JOIN placed pl ON pl.account_id = p.account_id
JOIN rates r ON r.level = pl.level AND r.region_id = pl.region_id
GROUP BY p.account_id
"""

# The values the pivoted columns are made of, as of the model's last date: the most
# frequent sales channels and product categories, and contact channels.
VOCABULARY = {
    "sales_channels": """SELECT channel FROM sales WHERE channel IS NOT NULL
        AND channel <> '' AND order_date <= CAST(:cutoff AS date)
        GROUP BY channel ORDER BY count(*) DESC, channel LIMIT 8""",
    "categories": """SELECT product_category FROM sales WHERE product_category IS NOT NULL
        AND product_category <> '' AND order_date <= CAST(:cutoff AS date)
        GROUP BY product_category ORDER BY count(*) DESC, product_category LIMIT 12""",
    "contact_channels": """SELECT channel FROM interactions WHERE occurred_at < :until
        GROUP BY channel ORDER BY count(*) DESC, channel LIMIT 8""",
}

# The first and last day anything happened (facts and churn dates).
DATA_SPAN = """
SELECT least((SELECT min(order_date) FROM sales),
             (SELECT min(opened_at)::date FROM service_cases),
             (SELECT min(occurred_at)::date FROM interactions)) AS first_day,
       greatest((SELECT max(order_date) FROM sales),
                (SELECT max(opened_at)::date FROM service_cases),
                (SELECT max(occurred_at)::date FROM interactions),
                (SELECT max(churned_at) FROM accounts)) AS last_day
"""

# Which database this is: a model is never applied to another.
DATABASE_IDENTITY = """
SELECT coalesce((SELECT system_identifier::text FROM pg_control_system()), '-')
       || '/' || d.oid::text || '/' || d.datname
FROM pg_database d WHERE d.datname = current_database()
"""

NEXT_VERSION = "SELECT coalesce(max(version), 0) + 1 FROM churn_models"

INSERT_MODEL = """
INSERT INTO churn_models (version, cutoff, horizon_days, features, metrics, training_rows,
                          database_identity, model)
VALUES (:version, :cutoff, :horizon_days, CAST(:features AS jsonb), CAST(:metrics AS jsonb),
        :training_rows, :database_identity, :model)
RETURNING id, created_at
"""

LATEST_MODEL = """
SELECT id, version, created_at, cutoff, horizon_days, features, metrics, training_rows,
       database_identity {blob}
FROM churn_models ORDER BY version DESC LIMIT 1
"""

# Scoring replaces every earlier score, of this model and of earlier ones: a customer who
# is no longer current keeps no risk of an older model (their months stay in
# account_risk_months).
DELETE_RISKS = "DELETE FROM account_risk"

COPY_RISKS = ("COPY account_risk (account_id, model_id, risk, band, drivers) FROM STDIN")

# The scores of a month of scoring, for the cube's risk family: each scored
# customer's risk and band with their revenue over the 365 days up to the day scored (the
# revenue_365 feature). Re-scoring in a month replaces its rows.
DELETE_RISK_MONTH = "DELETE FROM account_risk_months WHERE month = CAST(:month AS date)"
COPY_RISK_MONTH = ("COPY account_risk_months (account_id, month, model_id, risk, band, "
                   "revenue_365) FROM STDIN")

RISK_COUNTS = """
SELECT band, count(*) AS customers, avg(risk) AS mean_risk FROM account_risk
WHERE model_id = :model_id GROUP BY band
"""

# One account's current risk, as the caller (row-level security decides): the row of the
# last scoring (the table holds no other). The model's version and
# horizon are read apart (MODEL_OF_RISK), only by roles that may read churn_models.
ACCOUNT_RISK = """
SELECT DISTINCT ON (account_id) account_id, model_id, scored_at, risk, band, drivers
FROM account_risk WHERE account_id = :account_id
ORDER BY account_id, model_id DESC, scored_at DESC
"""

READS_MODELS = """
SELECT has_column_privilege('churn_models', 'version', 'SELECT')
       AND has_column_privilege('churn_models', 'horizon_days', 'SELECT')
"""

MODEL_OF_RISK = "SELECT version, horizon_days FROM churn_models WHERE id = :model_id"
