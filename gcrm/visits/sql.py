"""The SQL of visit plans and visit windows, in one place."""

REPS = """
SELECT id, external_id, name, ST_X(home_geom) AS lon, ST_Y(home_geom) AS lat, active
FROM reps WHERE external_id = ANY(:keys) OR name = ANY(:keys)
"""
LIST_EXISTS = "SELECT id FROM campaigns WHERE name = :name"
LIST_ACCOUNTS = """
SELECT a.id, a.external_id FROM campaign_members m JOIN accounts a ON a.id = m.account_id
WHERE m.campaign_id = :campaign_id
ORDER BY m.risk DESC NULLS LAST, a.id
"""
# An account asked for by its external id ("C-104") or as source:external_id.
ACCOUNTS_BY_KEY = """
SELECT a.id, a.source, a.external_id FROM accounts a
WHERE a.external_id = ANY(:keys) OR a.source || ':' || a.external_id = ANY(:keys)
"""
# What a plan needs of each account: where, whose, when it may be visited.
VISIT_ACCOUNTS = """
SELECT a.id, a.source, a.external_id, a.name, a.status, a.owner_rep_id,
       ST_X(a.geom) AS lon, ST_Y(a.geom) AS lat, a.erased_at IS NOT NULL AS erased,
       concat_ws(', ', a.street, a.city, a.postcode) AS address,
       w.opens, w.closes, w.minutes
FROM accounts a LEFT JOIN visit_windows w ON w.account_id = a.id
WHERE a.id = ANY(:ids)
"""

# The loaded network with a road junction nearest to a point, and how far (metres).
NEAREST_NETWORK = """
SELECT n.network, ST_Distance(n.geom::geography,
                              ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography) AS metres
FROM road_nodes n
WHERE (CAST(:network AS text) IS NULL OR n.network = :network)
ORDER BY n.geom <-> ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)
LIMIT 1
"""
NETWORK_EXISTS = "SELECT EXISTS (SELECT 1 FROM road_edges WHERE network = :network)"

INSERT_PLAN = """
INSERT INTO visit_plans (day, method, network, kmh, source, params, created_by)
VALUES (:day, :method, :network, :kmh, :source, CAST(:params AS jsonb), :created_by)
RETURNING id
"""
INSERT_ROUTE = """
INSERT INTO visit_routes (plan_id, rep_id, leave, back, drive_seconds, drive_m, home_leg)
VALUES (:plan_id, :rep_id, :leave, :back, :drive_seconds, :drive_m,
        ST_SetSRID(ST_GeomFromWKB(:leg), 4326))
"""
INSERT_STOP = """
INSERT INTO visit_stops (plan_id, rep_id, seq, account_id, arrive, start, depart,
                         drive_seconds, drive_m, leg)
VALUES (:plan_id, :rep_id, :seq, :account_id, :arrive, :start, :depart, :drive_seconds,
        :drive_m, ST_SetSRID(ST_GeomFromWKB(:leg), 4326))
"""
INSERT_LEFT_OUT = """
INSERT INTO visit_left_out (plan_id, position, account_id, asked, reason)
VALUES (:plan_id, :position, :account_id, :asked, :reason)
"""

# Reading plans back goes through the views of migration 0028: each reader sees the stops
# of the accounts they may see, masked as account_profiles masks them for their role.
PLAN = """
SELECT id, day, method, network, kmh, source, params, created_by, created_at
FROM visit_plan_heads WHERE id = :plan_id
"""
PLANS = """
SELECT p.id, p.day, p.method, p.network, p.source, p.created_by, p.created_at,
       (SELECT count(*) FROM visit_plan_routes r WHERE r.plan_id = p.id) AS reps,
       (SELECT count(*) FROM visit_plan_stops s WHERE s.plan_id = p.id) AS stops,
       (SELECT count(*) FROM visit_plan_left_out l WHERE l.plan_id = p.id) AS left_out
FROM visit_plan_heads p
WHERE CAST(:day AS date) IS NULL OR p.day = :day
ORDER BY p.created_at DESC, p.id DESC
"""
ROUTES = """
SELECT rep_id, rep, rep_name, leave, back, drive_seconds, drive_m,
       ST_AsBinary(home_leg) AS home_leg, home_lon, home_lat
FROM visit_plan_routes WHERE plan_id = :plan_id ORDER BY rep
"""
STOPS = """
SELECT rep_id, seq, account_id, source, external_id, name, address, lon, lat, arrive,
       start, depart, drive_seconds, drive_m, ST_AsBinary(leg) AS leg
FROM visit_plan_stops WHERE plan_id = :plan_id ORDER BY rep_id, seq
"""
LEFT_OUT = """
SELECT position, account_id, asked, name, reason
FROM visit_plan_left_out WHERE plan_id = :plan_id ORDER BY position
"""

UPSERT_WINDOW = """
INSERT INTO visit_windows (account_id, opens, closes, minutes)
VALUES (:account_id, :opens, :closes, :minutes)
ON CONFLICT (account_id) DO UPDATE
SET opens = EXCLUDED.opens, closes = EXCLUDED.closes, minutes = EXCLUDED.minutes
"""
