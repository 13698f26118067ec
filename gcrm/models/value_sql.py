"""The customer value model's SQL. Customers at a cutoff are the churn model's, by the
same SQL (``gcrm.models.sql.CUSTOMER_AT``: became customers on or before it, not churned
by it);
their purchases are read on or before the cutoff only, except by ``HOLDOUT``, which
reads the window after it that the validation compares predictions with."""

from gcrm.models.sql import CUSTOMER_AT

# Each customer's order lines added up per day, on or before the cutoff (psycopg
# parameters: sent by COPY, see value_summary._copy_out).
VALUE_DAYS = f"""
SELECT s.account_id, s.order_date, sum(s.amount)::float8
FROM sales s JOIN accounts a ON a.id = s.account_id
WHERE s.order_date <= CAST(%(cutoff)s AS date)
  AND {CUSTOMER_AT.format(cutoff="CAST(%(cutoff)s AS date)")}
GROUP BY s.account_id, s.order_date
"""

CUSTOMERS_AT = f"""
SELECT count(*) FROM accounts a
WHERE {CUSTOMER_AT.format(cutoff="CAST(:cutoff AS date)")}
"""

# What each account bought in (cutoff, cutoff + days]: revenue and purchase days.
HOLDOUT = """
SELECT account_id, sum(amount)::float8 AS revenue, count(DISTINCT order_date) AS purchases
FROM sales
WHERE order_date > CAST(:cutoff AS date)
  AND order_date <= CAST(:cutoff AS date) + CAST(:days AS integer)
GROUP BY account_id
"""

SALES_SPAN = "SELECT min(order_date) AS first_day, max(order_date) AS last_day FROM sales"

NEXT_VERSION = "SELECT coalesce(max(version), 0) + 1 FROM value_models"

INSERT_MODEL = """
INSERT INTO value_models (version, cutoff, holdout_days, parameters, metrics, training_rows,
                          library, database_identity, model)
VALUES (:version, :cutoff, :holdout_days, CAST(:parameters AS jsonb),
        CAST(:metrics AS jsonb), :training_rows, :library, :database_identity, :model)
RETURNING id, created_at
"""

LATEST_MODEL = """
SELECT id, version, created_at, cutoff, holdout_days, parameters, metrics, training_rows,
       library, database_identity {blob}
FROM value_models ORDER BY version DESC LIMIT 1
"""

# Scoring replaces every earlier score, of this model and of earlier ones (as churn
# scoring does): a customer who is no longer current keeps no value of an older model.
DELETE_VALUES = "DELETE FROM account_value"

COPY_VALUES = ("COPY account_value (account_id, model_id, expected_revenue, "
               "expected_purchases, probability_alive) FROM STDIN")

# One account's current expected value, as the caller (row-level security decides): the
# row of the last scoring (the table holds no other). The model's version is read apart
# (MODEL_OF_VALUE), only by roles that may read value_models.
ACCOUNT_VALUE = """
SELECT DISTINCT ON (account_id) account_id, model_id, scored_at, expected_revenue,
       expected_purchases, probability_alive
FROM account_value WHERE account_id = :account_id
ORDER BY account_id, model_id DESC, scored_at DESC
"""

READS_MODELS = "SELECT has_column_privilege('value_models', 'version', 'SELECT')"

MODEL_OF_VALUE = "SELECT version FROM value_models WHERE id = :model_id"
