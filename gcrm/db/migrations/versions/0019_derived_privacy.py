"""privacy of derived values: trade-area radii, source ids after erasure, masks (issue 19, part B)

* Customer-derived trade areas stored ``params.radius_km`` to the metre: the distance of
  the farthest customer taken, which puts that customer on a ring around the store, for
  every role. The builder now stores whole kilometres rounded up; the areas already stored
  are rounded up here too (their outlines were already widened onto the ~1 km grid).
* An erased account kept its source id (``accounts.external_id``), often an email or a
  phone number, readable by every role. Erasure now replaces it with a keyed hash,
  ``gcrm_erased_id(source, external_id)`` = ``'erased-'`` + 32 hex digits of
  HMAC-SHA-256 under a random key kept in ``privacy_keys`` (operator-only, like the
  function), so nobody without the key can test a guessed email against it, while a reload
  of the same source file finds the erased account again (the loader compares the hash of
  each id it reads with the erased accounts of that source): the person neither comes back
  nor is duplicated. Accounts erased before this migration are re-keyed here.
  ``ix_accounts_erased_source`` lets a load see at once whether a source has erased people.
* The name and street masks (0006) kept numbers written as words ("One Hundred Main
  Street"): runs of English number words, cardinal or ordinal, hyphenated or not ("One
  Hundred and Five", "Twenty-Two", "Forty-Second"), are masked like digits: one ``***`` per
  run (a name's digits too, which kept their first digit).

Downgrade restores 0006's masks and drops the key, the function and the index; the
rounded radii stay as they are (nothing can bring the exact values back, which is the
point). It refuses while erased accounts hold hashed ids: without the key, a reload would
bring those people back.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 23:15:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = '0019'
down_revision: Union[str, Sequence[str], None] = '0018'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

SAFE_PATH = "SET search_path = pg_catalog, public, pg_temp"

# English numbers as words: cardinals to "million", ordinals to "thousandth".
_UNITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight",
          "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen",
          "sixteen", "seventeen", "eighteen", "nineteen"]
_TENS = ["twenty", "thirty", "forty", "fourty", "fifty", "sixty", "seventy", "eighty",
         "ninety"]
_ORDINALS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh",
             "eighth", "ninth", "tenth", "eleventh", "twelfth", "thirteenth",
             "fourteenth", "fifteenth", "sixteenth", "seventeenth", "eighteenth",
             "nineteenth", "twentieth", "thirtieth", "fortieth", "fiftieth", "sixtieth",
             "seventieth", "eightieth", "ninetieth", "hundredth", "thousandth",
             "millionth"]
_WORD = "(" + "|".join(sorted({*_UNITS, *_TENS, *_ORDINALS, "hundred", "thousand",
                                  "million"}, key=lambda w: (-len(w), w))) + ")"
# A run of number words: "One Hundred and Five", "Twenty-Two", "forty second".
NUMBER_WORDS = rf"\m{_WORD}\M([[:space:]-]+(and[[:space:]-]+)?{_WORD}\M)*"

MASKS = {
    # Every word of a street that is or starts with a digit, and every run of number
    # words, becomes ***.
    "gcrm_mask_street(text)": (
        "SELECT pg_catalog.regexp_replace(pg_catalog.regexp_replace("
        rf"v, '[0-9]\S*', '***', 'g'), '{NUMBER_WORDS}', '***', 'gi')"),
    # A name keeps the first character of every word; numbers (digits or words) keep none.
    # They are marked with chr(1) first so the word mask leaves them alone.
    "gcrm_mask_name(text)": (
        "SELECT pg_catalog.replace(pg_catalog.regexp_replace(pg_catalog.regexp_replace("
        rf"pg_catalog.regexp_replace(v, '[0-9]\S*', pg_catalog.chr(1), 'g'), "
        f"'{NUMBER_WORDS}', pg_catalog.chr(1), 'gi'), "
        r"'([^[:space:]' || pg_catalog.chr(1) || '])\S*', '\1***', 'g'), "
        "pg_catalog.chr(1), '***')"),
}
OLD_MASKS = {  # as migration 0006 left them
    "gcrm_mask_street(text)": r"SELECT pg_catalog.regexp_replace(v, '[0-9]\S*', '***', 'g')",
    "gcrm_mask_name(text)": r"SELECT pg_catalog.regexp_replace(v, '(\S)\S*', '\1***', 'g')",
}

# The hash itself, given the key: plain SQL without SET or FROM, so PostgreSQL inlines it
# into a load's statements (the key is read once per statement); every name is schema-
# qualified (operators too) because an inlined body runs under the caller's search_path.
HASH = """
CREATE FUNCTION gcrm_erased_id(text, text, bytea) RETURNS text LANGUAGE sql STABLE AS $fn$
    SELECT 'erased-' OPERATOR(pg_catalog.||) pg_catalog.left(pg_catalog.encode(public.hmac(
               pg_catalog.convert_to($1 OPERATOR(pg_catalog.||) pg_catalog.chr(31)
                                     OPERATOR(pg_catalog.||) $2, 'UTF8'),
               $3, 'sha256'), 'hex'), 32)
$fn$"""
# ... and with the database's key (erasure, the operator's look-ups).
ERASED_ID = f"""
CREATE FUNCTION gcrm_erased_id(text, text) RETURNS text LANGUAGE sql STABLE STRICT
{SAFE_PATH} AS $fn$
    SELECT public.gcrm_erased_id($1, $2, k.key)
    FROM public.privacy_keys k WHERE k.purpose = 'erased_id'
$fn$"""


def upgrade() -> None:
    op.create_table(
        'privacy_keys',
        sa.Column('purpose', sa.Text(), nullable=False),
        sa.Column('key', sa.LargeBinary(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'),
                  nullable=False),
        sa.PrimaryKeyConstraint('purpose', name=op.f('pk_privacy_keys')),
    )
    op.execute("REVOKE ALL ON privacy_keys FROM PUBLIC")
    op.execute("INSERT INTO privacy_keys (purpose, key) "
               "VALUES ('erased_id', gen_random_bytes(32))")
    op.execute(HASH)
    op.execute(ERASED_ID)
    op.execute("REVOKE EXECUTE ON FUNCTION gcrm_erased_id(text, text, bytea), "
               "gcrm_erased_id(text, text) FROM PUBLIC")
    op.create_index('ix_accounts_erased_source', 'accounts', ['source'], unique=False,
                    postgresql_where=sa.text('erased_at IS NOT NULL'))
    op.execute("UPDATE accounts SET external_id = gcrm_erased_id(source, external_id) "
               "WHERE erased_at IS NOT NULL AND external_id NOT LIKE 'erased-%'")

    op.execute("""
        UPDATE trade_areas SET params = jsonb_set(params, '{radius_km}',
            to_jsonb(greatest(1, ceil((params->>'radius_km')::numeric - 1e-9))::int))
        WHERE method = 'customers' AND params ? 'radius_km'""")

    for signature, body in MASKS.items():
        _replace(signature, body)


def downgrade() -> None:
    hashed = op.get_bind().execute(sa.text(
        "SELECT count(*) FROM accounts WHERE erased_at IS NOT NULL "
        "AND external_id LIKE 'erased-%'")).scalar_one()
    if hashed:
        # Without the key a reload of an old file would bring these people back (as new
        # accounts): refuse rather than lose it.
        from gcrm.errors import GcrmError

        raise GcrmError(
            f"{hashed:,} erased account(s) have source ids hashed with the key in "
            "privacy_keys; downgrading below 0019 would drop that key, and a reload would "
            "bring those people back. Keep 0019 (or delete those accounts first).")
    for signature, body in OLD_MASKS.items():
        _replace(signature, body)
    op.drop_index('ix_accounts_erased_source', table_name='accounts',
                  postgresql_where=sa.text('erased_at IS NOT NULL'))
    op.execute("DROP FUNCTION gcrm_erased_id(text, text)")
    op.execute("DROP FUNCTION gcrm_erased_id(text, text, bytea)")
    op.drop_table('privacy_keys')


def _replace(signature: str, body: str) -> None:
    """CREATE OR REPLACE keeps the function's identity (the views and policies calling it
    need no change), its volatility and 0006's fixed search_path."""
    name = signature.split("(", 1)[0]
    op.execute(f"CREATE OR REPLACE FUNCTION public.{name}(v text) RETURNS text LANGUAGE sql "
               f"IMMUTABLE {SAFE_PATH} AS $fn$ {body} $fn$")
