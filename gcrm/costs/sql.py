"""The cost rates' SQL, in one place. Values travel as bound parameters."""

# Who is asking: the gcrm user behind the connection's role, else the operator (:operator).
WHO = "coalesce((SELECT username FROM app_users WHERE pg_role = current_user), :operator)"

RATES = "SELECT kind, item, rate, changed_by, changed_at FROM cost_rates ORDER BY kind, item"
RATE = "SELECT rate FROM cost_rates WHERE kind = :kind AND item = :item"
# The case types and channels the company lists (gcrm.vocab) and the facts hold.
ITEMS = """
SELECT 'case' AS kind, value AS item FROM vocabulary_values WHERE field = 'case_type'
UNION SELECT 'contact', value FROM vocabulary_values WHERE field = 'interaction_channel'
"""
SET = f"""
INSERT INTO cost_rates (kind, item, rate, changed_by, changed_at)
VALUES (:kind, :item, :rate, {WHO}, now())
ON CONFLICT (kind, item) DO UPDATE SET rate = EXCLUDED.rate, changed_by = EXCLUDED.changed_by,
                                       changed_at = EXCLUDED.changed_at
"""
DELETE = "DELETE FROM cost_rates WHERE kind = :kind AND item = :item"
