"""The SQL of work routing (rules, teams, queues, SLA clocks), in one place."""

# --- rules, teams, queues, SLAs ------------------------------------------------------------
RULES = """
SELECT r.id, r.priority, r.name, r.applies_to, r.case_type, r.method, r.team,
       rep.external_id AS rep, r.pick, r.active, r.created_by, r.created_at
FROM routing_rules r LEFT JOIN reps rep ON rep.id = r.rep_id
ORDER BY r.priority
"""
ACTIVE_RULES = """
SELECT id, priority, name, applies_to, case_type, method, team, rep_id, pick, last_rep_id
FROM routing_rules WHERE active ORDER BY priority
"""
INSERT_RULE = """
INSERT INTO routing_rules (priority, name, applies_to, case_type, method, team, rep_id, pick,
                           created_by)
VALUES (:priority, :name, :applies_to, :case_type, :method, :team, :rep_id, :pick,
        :created_by)
RETURNING id
"""
PRIORITY_TAKEN = "SELECT name FROM routing_rules WHERE priority = :priority"
DELETE_RULE = "DELETE FROM routing_rules WHERE id = :id RETURNING name"
REP_BY_KEY = "SELECT id FROM reps WHERE external_id = :key OR name = :key"
REP_IDS = "SELECT external_id FROM reps WHERE active ORDER BY external_id"
TEAM_EXISTS = "SELECT EXISTS (SELECT 1 FROM teams WHERE name = :team)"
TEAMS = """
SELECT t.name, t.description, count(m.rep_id) AS reps,
       string_agg(rep.external_id, ', ' ORDER BY rep.external_id) AS members
FROM teams t LEFT JOIN team_members m ON m.team = t.name
LEFT JOIN reps rep ON rep.id = m.rep_id
GROUP BY t.name ORDER BY t.name
"""
UPSERT_TEAM = """
INSERT INTO teams (name, description) VALUES (:team, :description)
ON CONFLICT (name) DO UPDATE SET description = coalesce(EXCLUDED.description,
                                                        teams.description)
"""
ADD_MEMBER = """
INSERT INTO team_members (team, rep_id) VALUES (:team, :rep_id) ON CONFLICT DO NOTHING
"""
QUEUES = "SELECT name, is_default FROM work_queues ORDER BY name"
DEFAULT_QUEUE = "SELECT name FROM work_queues WHERE is_default"
ADD_QUEUE = "INSERT INTO work_queues (name) VALUES (:name) ON CONFLICT DO NOTHING"
CLEAR_DEFAULT = "UPDATE work_queues SET is_default = false WHERE is_default"
MAKE_DEFAULT = "UPDATE work_queues SET is_default = true WHERE name = :name"
SLAS = """
SELECT case_type, first_response_hours::float8 AS first_response_hours,
       resolution_hours::float8 AS resolution_hours
FROM case_slas ORDER BY case_type
"""
UPSERT_SLA = """
INSERT INTO case_slas (case_type, first_response_hours, resolution_hours)
VALUES (:case_type, :first_response_hours, :resolution_hours)
ON CONFLICT (case_type) DO UPDATE
SET first_response_hours = EXCLUDED.first_response_hours,
    resolution_hours = EXCLUDED.resolution_hours
"""

# --- routing: the items no rep or queue owns yet --------------------------------------------
# Whether anything waits: routing nothing touches nothing (an UPDATE of no account still
# fires the statement trigger that marks the whole cube for a rebuild).
ANY_UNROUTED = {
    "case": "SELECT EXISTS (SELECT 1 FROM service_cases WHERE owner_rep_id IS NULL "
            "AND queue IS NULL)",
    "lead": "SELECT EXISTS (SELECT 1 FROM accounts WHERE status = 'prospect' AND "
            "owner_rep_id IS NULL AND queue IS NULL AND erased_at IS NULL)",
}
UNROUTED_CASES = """
SELECT c.id FROM service_cases c
WHERE c.owner_rep_id IS NULL AND c.queue IS NULL
  AND (CAST(:case_type AS text) IS NULL OR c.case_type = :case_type)
ORDER BY c.opened_at, c.id
"""
UNROUTED_LEADS = """
SELECT a.id FROM accounts a
WHERE a.status = 'prospect' AND a.owner_rep_id IS NULL AND a.queue IS NULL
  AND a.erased_at IS NULL
ORDER BY a.created_at, a.id
"""
# The rep owning each account's area: its own owner, else the rep of the territory holding
# its region in the latest applied scenario. Set-based: one statement per rule.
_AREA_REPS = """
WITH applied AS (
    SELECT id FROM territory_scenarios WHERE applied_at IS NOT NULL
    ORDER BY applied_at DESC, id DESC LIMIT 1
), area_rep AS (
    SELECT ra.entity_id AS account_id, t.rep_id
    FROM applied s JOIN territory_areas ta ON ta.scenario_id = s.id
    JOIN territories t ON t.id = ta.territory_id AND t.rep_id IS NOT NULL
    JOIN region_assignments ra ON ra.region_id = ta.region_id AND ra.entity = 'account'
)"""
GIVE_CASES_BY_AREA = _AREA_REPS + """
UPDATE service_cases c SET owner_rep_id = o.rep_id, routing_rule_id = :rule_id,
                           routed_at = now()
FROM (SELECT c2.id, coalesce(a.owner_rep_id, ar.rep_id) AS rep_id
      FROM service_cases c2 JOIN accounts a ON a.id = c2.account_id
      LEFT JOIN area_rep ar ON ar.account_id = a.id
      WHERE c2.owner_rep_id IS NULL AND c2.queue IS NULL
        AND (CAST(:case_type AS text) IS NULL OR c2.case_type = :case_type)) o
WHERE c.id = o.id AND o.rep_id IS NOT NULL
"""
GIVE_LEADS_BY_AREA = _AREA_REPS + """
UPDATE accounts a SET owner_rep_id = ar.rep_id
FROM area_rep ar
WHERE a.id = ar.account_id AND a.status = 'prospect' AND a.owner_rep_id IS NULL
  AND a.queue IS NULL AND a.erased_at IS NULL
"""
TEAM_MEMBERS = """
SELECT rep.id, rep.capacity::float8 AS capacity FROM team_members m
JOIN reps rep ON rep.id = m.rep_id
WHERE m.team = :team AND rep.active ORDER BY rep.id
"""
# Open items per rep: open or pending cases, and leads (prospects) they own.
OPEN_ITEMS = """
SELECT r.id, (SELECT count(*) FROM service_cases c
              WHERE c.owner_rep_id = r.id AND c.status <> 'closed')
           + (SELECT count(*) FROM accounts a
              WHERE a.owner_rep_id = r.id AND a.status = 'prospect') AS open
FROM reps r WHERE r.id = ANY(:ids)
"""
GIVE_CASES = """
UPDATE service_cases c SET owner_rep_id = u.rep_id, routing_rule_id = :rule_id,
                           routed_at = now()
FROM unnest(CAST(:ids AS bigint[]), CAST(:reps AS bigint[])) AS u(id, rep_id)
WHERE c.id = u.id
"""
GIVE_LEADS = """
UPDATE accounts a SET owner_rep_id = u.rep_id
FROM unnest(CAST(:ids AS bigint[]), CAST(:reps AS bigint[])) AS u(id, rep_id)
WHERE a.id = u.id
"""
QUEUE_CASES = """
UPDATE service_cases SET queue = :queue, routing_rule_id = NULL, routed_at = now()
WHERE owner_rep_id IS NULL AND queue IS NULL
"""
QUEUE_LEADS = """
UPDATE accounts SET queue = :queue
WHERE status = 'prospect' AND owner_rep_id IS NULL AND queue IS NULL AND erased_at IS NULL
"""
LAST_PICKED = "UPDATE routing_rules SET last_rep_id = :rep_id WHERE id = :rule_id"

# --- open cases follow their accounts when a territory plan is applied ----------------------
# :moved holds (account, its owner before, its owner now).
FOLLOW = """
UPDATE service_cases c SET owner_rep_id = m.now_rep, routed_at = now()
FROM unnest(CAST(:accounts AS bigint[]), CAST(:before AS bigint[]),
            CAST(:after AS bigint[])) AS m(account_id, was_rep, now_rep)
WHERE c.account_id = m.account_id AND c.status <> 'closed'
  AND c.owner_rep_id IS NOT DISTINCT FROM m.was_rep AND c.queue IS NULL
RETURNING c.id
"""

# --- SLA clocks -------------------------------------------------------------------------------
OVERDUE = """
SELECT c.id, c.external_id, c.case_type, c.status, c.opened_at, c.first_response_at,
       rep.external_id AS owner, c.queue,
       c.opened_at + make_interval(secs => s.first_response_hours * 3600) AS respond_by,
       c.opened_at + make_interval(secs => s.resolution_hours * 3600) AS resolve_by,
       CASE WHEN c.opened_at + make_interval(secs => s.resolution_hours * 3600) < :now
            THEN 'resolution' ELSE 'first response' END AS breached
FROM service_cases c JOIN case_slas s ON s.case_type = c.case_type
LEFT JOIN reps rep ON rep.id = c.owner_rep_id
WHERE c.status <> 'closed' AND c.opened_at <= :now
  AND (c.opened_at + make_interval(secs => s.resolution_hours * 3600) < :now
       OR (c.first_response_at IS NULL
           AND c.opened_at + make_interval(secs => s.first_response_hours * 3600) < :now))
ORDER BY c.opened_at, c.id
"""
