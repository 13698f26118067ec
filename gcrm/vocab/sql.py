"""The vocabularies' SQL, in one place. Values travel as bound parameters; the only names
formatted in come from gcrm.vocab.fields (never from input)."""

# Who is asking: the gcrm user behind the connection's role, else the operator (:operator).
WHO = "coalesce((SELECT username FROM app_users WHERE pg_role = current_user), :operator)"

ENSURE = """
INSERT INTO vocabularies (field, description) VALUES (:field, :description)
ON CONFLICT (field) DO NOTHING
"""
LISTS = """
SELECT v.field, v.closed, coalesce(array_agg(x.value ORDER BY x.added_at, x.value)
                                   FILTER (WHERE x.value IS NOT NULL), '{}') AS values
FROM vocabularies v LEFT JOIN vocabulary_values x ON x.field = v.field
WHERE v.field = ANY(:fields)
GROUP BY v.field, v.closed
"""
SUMMARY = """
SELECT v.field, v.description, v.closed, count(x.value) AS "values", v.changed_by,
       v.changed_at
FROM vocabularies v LEFT JOIN vocabulary_values x ON x.field = v.field
GROUP BY v.field ORDER BY v.field
"""
VALUES = """
SELECT x.field, x.value, x.label, x.origin, x.added_by, x.added_at
FROM vocabulary_values x
WHERE (CAST(:field AS text) IS NULL OR x.field = :field)
ORDER BY x.field, x.value
"""
HAS_VALUE = """
SELECT EXISTS (SELECT 1 FROM vocabulary_values WHERE field = :field AND value = :value)
"""
ADD = f"""
INSERT INTO vocabulary_values (field, value, label, origin, added_by)
VALUES (:field, :value, :label, 'admin', {WHO})
ON CONFLICT (field, value) DO UPDATE SET label = coalesce(EXCLUDED.label,
                                                          vocabulary_values.label)
RETURNING (xmax = 0) AS inserted
"""
SET_CLOSED = f"""
UPDATE vocabularies SET closed = :closed, changed_by = {WHO}, changed_at = now()
WHERE field = :field
"""
# Values a load brought that the list lacked ({stage}, {column}: the load's staging table
# and the field's column there).
RECORD_FROM_STAGE = f"""
INSERT INTO vocabulary_values (field, value, origin, added_by)
SELECT DISTINCT :field, s."{{column}}", 'load', {WHO} || ' (load from ' || :source || ')'
FROM {{stage}} s WHERE s."{{column}}" IS NOT NULL AND s."{{column}}" <> ''
ON CONFLICT (field, value) DO NOTHING
RETURNING value
"""
# Renaming a value renames it in the stored rows too ({table}.{column}).
RENAME_ROWS = 'UPDATE {table} SET "{column}" = :new WHERE "{column}" = :old'
RENAME_VALUE = f"""
INSERT INTO vocabulary_values (field, value, label, origin, added_by)
SELECT field, :new, label, 'admin', {WHO} FROM vocabulary_values
WHERE field = :field AND value = :old
ON CONFLICT (field, value) DO NOTHING
"""
DROP_VALUE = "DELETE FROM vocabulary_values WHERE field = :field AND value = :value"
