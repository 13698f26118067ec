"""The SQL of offline geocoding, in one place.

All statements work on the temporary table ``gc_in`` (one row per distinct
normalised address) and fill its result columns, cascading from the most to the
least precise method; each later step only touches rows still unmatched.
"""

CREATE_INPUT = """
CREATE TEMP TABLE gc_in (
    kid integer PRIMARY KEY, key text, number text, number_int integer, street text,
    unit text, city text, region text, postcode text,
    street_match text, street_score double precision,
    lon double precision, lat double precision, precision text, score double precision,
    matched text
) ON COMMIT DROP
"""
COPY_INPUT = (
    "COPY gc_in (kid, key, number, number_int, street, unit, city, region, postcode) FROM STDIN"
)

# Where a reference row may be: the input's postcode, else its city (and region when
# known). Each street step runs once per area, postcode first, so that every join has an
# index to follow (an OR of the two would not). An address with neither is not searched
# street by street across a whole state.
_AREAS = {
    "postcode": "(i.postcode <> '' AND {r}.postcode = i.postcode)",
    "city": "(i.city <> '' AND {r}.city = i.city AND (i.region = '' OR {r}.region = i.region))",
}


def _in_area(template: str, area: str) -> str:
    return (template.replace("<<AREA s>>", _AREAS[area].format(r="s"))
            .replace("<<AREA a>>", _AREAS[area].format(r="a")))


EXACT_STREET = """
UPDATE gc_in i SET street_match = i.street, street_score = 1.0
WHERE i.street <> '' AND i.street_match IS NULL AND EXISTS (
    SELECT 1 FROM ref_streets s WHERE s.street = i.street AND <<AREA s>>
)
"""

FUZZY_STREET = """
WITH best AS (
    SELECT i.kid, c.street, c.sim
    FROM gc_in i
    CROSS JOIN LATERAL (
        SELECT s.street, similarity(s.street, i.street) AS sim
        FROM ref_streets s
        WHERE <<AREA s>>
        ORDER BY sim DESC, s.addresses DESC
        LIMIT 1
    ) c
    WHERE i.street_match IS NULL AND i.street <> '' AND c.sim >= :min_similarity
)
UPDATE gc_in i SET street_match = best.street, street_score = 0.6 + 0.4 * best.sim
FROM best WHERE i.kid = best.kid
"""

_MATCHED = (
    "{n} || ' ' || {r}.street || coalesce(', ' || {r}.city, '') "
    "|| coalesce(', ' || {r}.region, '') || coalesce(' ' || {r}.postcode, '')"
)

ROOFTOP = f"""
WITH hit AS (
    SELECT DISTINCT ON (i.kid) i.kid, a.geom, a.number, a.street, a.city, a.region, a.postcode,
           (i.postcode <> '' AND a.postcode = i.postcode) AS same_postcode
    FROM gc_in i
    JOIN ref_addresses a ON a.street = i.street_match AND a.number = i.number AND <<AREA a>>
    WHERE i.street_match IS NOT NULL AND i.number <> '' AND i.precision IS NULL
    ORDER BY i.kid, (i.postcode <> '' AND a.postcode = i.postcode) DESC,
             (coalesce(a.unit, '') = i.unit) DESC, a.id
)
UPDATE gc_in i SET
    lon = ST_X(hit.geom), lat = ST_Y(hit.geom), precision = 'rooftop',
    score = round((i.street_score * CASE WHEN hit.same_postcode THEN 1 ELSE 0.95 END)::numeric, 3),
    matched = {_MATCHED.format(n='hit.number', r='hit')}
FROM hit WHERE i.kid = hit.kid
"""

INTERPOLATE = """
WITH around AS (
    SELECT i.kid, i.number_int AS n, lo.number_int AS lo_n, lo.geom AS lo_g,
           hi.number_int AS hi_n, hi.geom AS hi_g, coalesce(lo.city, hi.city) AS city,
           coalesce(lo.region, hi.region) AS region, coalesce(lo.postcode, hi.postcode) AS postcode
    FROM gc_in i
    LEFT JOIN LATERAL (
        SELECT a.number_int, a.geom, a.city, a.region, a.postcode FROM ref_addresses a
        WHERE a.street = i.street_match AND <<AREA a>> AND a.number_int < i.number_int
        ORDER BY (a.number_int % 2 = i.number_int % 2) DESC, a.number_int DESC LIMIT 1
    ) lo ON true
    LEFT JOIN LATERAL (
        SELECT a.number_int, a.geom, a.city, a.region, a.postcode FROM ref_addresses a
        WHERE a.street = i.street_match AND <<AREA a>> AND a.number_int > i.number_int
        ORDER BY (a.number_int % 2 = i.number_int % 2) DESC, a.number_int ASC LIMIT 1
    ) hi ON true
    WHERE i.precision IS NULL AND i.street_match IS NOT NULL AND i.number_int IS NOT NULL
      AND (lo.geom IS NOT NULL OR hi.geom IS NOT NULL)
), point AS (
    SELECT kid, city, region, postcode,
           CASE WHEN lo_g IS NOT NULL AND hi_g IS NOT NULL
                THEN ST_LineInterpolatePoint(ST_MakeLine(lo_g, hi_g),
                                             (n - lo_n)::double precision / (hi_n - lo_n))
                ELSE coalesce(lo_g, hi_g) END AS geom,
           (lo_g IS NOT NULL AND hi_g IS NOT NULL) AS between_two
    FROM around
)
UPDATE gc_in i SET
    lon = ST_X(point.geom), lat = ST_Y(point.geom), precision = 'interpolated',
    score = round(
        (i.street_score * CASE WHEN point.between_two THEN 0.85 ELSE 0.7 END)::numeric, 3),
    matched = i.number || ' ' || i.street_match || coalesce(', ' || point.city, '')
              || coalesce(', ' || point.region, '') || coalesce(' ' || point.postcode, '')
FROM point WHERE i.kid = point.kid
"""

POSTCODE = """
UPDATE gc_in i SET
    lon = ST_X(p.geom), lat = ST_Y(p.geom), precision = 'postcode',
    score = CASE WHEN i.street = '' THEN 0.6 ELSE 0.5 END,
    matched = p.code || coalesce(' ' || p.city, '') || coalesce(', ' || p.region, '')
FROM ref_postcodes p
WHERE i.precision IS NULL AND i.postcode <> '' AND p.code = i.postcode
"""

CITY = """
WITH hit AS (
    SELECT DISTINCT ON (i.kid) i.kid, p.geom, p.name, p.region
    FROM gc_in i
    JOIN ref_places p ON p.name = i.city AND (i.region = '' OR p.region = i.region)
    WHERE i.precision IS NULL AND i.city <> ''
    ORDER BY i.kid, p.population DESC NULLS LAST, p.id
)
UPDATE gc_in i SET
    lon = ST_X(hit.geom), lat = ST_Y(hit.geom), precision = 'city',
    score = CASE WHEN i.region = '' THEN 0.25 ELSE 0.3 END,
    matched = hit.name || coalesce(', ' || hit.region, '')
FROM hit WHERE i.kid = hit.kid
"""

# Without a places reference, a town is the middle of its postcodes.
CITY_FROM_POSTCODES = """
WITH towns AS (
    SELECT city, region, ST_Centroid(ST_Collect(geom)) AS geom, sum(population) AS population
    FROM ref_postcodes WHERE city IS NOT NULL AND city IN (
        SELECT city FROM gc_in WHERE precision IS NULL AND city <> '')
    GROUP BY city, region
), hit AS (
    SELECT DISTINCT ON (i.kid) i.kid, t.geom, t.city, t.region
    FROM gc_in i JOIN towns t ON t.city = i.city AND (i.region = '' OR t.region = i.region)
    WHERE i.precision IS NULL
    ORDER BY i.kid, t.population DESC NULLS LAST
)
UPDATE gc_in i SET
    lon = ST_X(hit.geom), lat = ST_Y(hit.geom), precision = 'city',
    score = CASE WHEN i.region = '' THEN 0.25 ELSE 0.3 END,
    matched = hit.city || coalesce(', ' || hit.region, '')
FROM hit WHERE i.kid = hit.kid
"""

NONE = "UPDATE gc_in SET precision = 'none', score = 0 WHERE precision IS NULL"

CASCADE = (
    *((f"{step} by {area}", _in_area(template, area))
      for step, template in (("exact street", EXACT_STREET), ("fuzzy street", FUZZY_STREET),
                             ("rooftop", ROOFTOP), ("interpolation", INTERPOLATE))
      for area in ("postcode", "city")),
    ("postcode", POSTCODE),
    ("city", CITY),
    ("city (postcodes)", CITY_FROM_POSTCODES),
    ("none", NONE),
)

RESULTS = "SELECT kid, lon, lat, precision, score, matched FROM gc_in"

CACHE_LOOKUP = """
SELECT address_key, ST_X(geom) AS lon, ST_Y(geom) AS lat, precision, score, matched
FROM geocode_cache WHERE address_key = ANY(:keys)
"""

CACHE_STORE = """
INSERT INTO geocode_cache (address_key, geom, precision, score, matched, source)
SELECT key, CASE WHEN lon IS NOT NULL THEN ST_SetSRID(ST_MakePoint(lon, lat), 4326) END,
       precision, score, matched, 'offline'
FROM gc_in
ON CONFLICT (address_key) DO UPDATE SET
    geom = EXCLUDED.geom, precision = EXCLUDED.precision, score = EXCLUDED.score,
    matched = EXCLUDED.matched, source = EXCLUDED.source, updated_at = now()
"""

ACCOUNTS_TO_GEOCODE = """
SELECT id, street, unit, city, region, postcode FROM accounts
WHERE geom IS NULL AND (:retry OR geocode_precision IS NULL)
  AND (CAST(:source AS text) IS NULL OR source = :source)
ORDER BY id
"""

ACCOUNTS_TO_REGEOCODE = """
SELECT id, street, unit, city, region, postcode FROM accounts
WHERE coalesce(geocode_precision, '') <> 'provided'
  AND (CAST(:source AS text) IS NULL OR source = :source)
ORDER BY id
"""

CREATE_OUTPUT = """
CREATE TEMP TABLE gc_out (
    id bigint PRIMARY KEY, lon double precision, lat double precision, precision text,
    score double precision
) ON COMMIT DROP
"""

UPDATE_ACCOUNTS = """
UPDATE accounts a SET
    geom = CASE WHEN o.lon IS NOT NULL THEN ST_SetSRID(ST_MakePoint(o.lon, o.lat), 4326) END,
    geocode_precision = o.precision, geocode_score = o.score, geocode_source = 'offline',
    updated_at = now()
FROM gc_out o WHERE a.id = o.id
"""
