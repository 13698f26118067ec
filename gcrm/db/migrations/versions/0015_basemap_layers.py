"""Base map layers (roads, places, water, buildings) from OpenStreetMap extracts, served as tiles

Two tables: ``basemaps`` (one row per loaded base map: its source file, when, what it holds)
and ``basemap_features`` (every feature with its layer, kind, name, the zoom it appears from
and its geometry, GiST-indexed). The base map holds no personal data: every gcrm user may
read it; only the operator loads it. Users may also read the reference's postcodes and
places (public geography) for the dashboards' place search.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 20:40:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision: str = '0015'
down_revision: Union[str, Sequence[str], None] = '0014'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('basemaps',
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('attribution', sa.Text(), nullable=True),
    sa.Column('loaded_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('features', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_basemaps'))
    )
    op.create_geospatial_table('basemap_features',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('basemap', sa.Text(), nullable=False),
    sa.Column('layer', sa.Text(), nullable=False),
    sa.Column('kind', sa.Text(), server_default='', nullable=False),
    sa.Column('name', sa.Text(), nullable=True),
    sa.Column('min_zoom', sa.SmallInteger(), nullable=False),
    sa.Column('geom', Geometry(srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.CheckConstraint("layer IN ('roads', 'places', 'water', 'buildings')", name=op.f('ck_basemap_features_layer_known')),
    sa.CheckConstraint('min_zoom BETWEEN 0 AND 22', name=op.f('ck_basemap_features_min_zoom_range')),
    sa.ForeignKeyConstraint(['basemap'], ['basemaps.name'], name=op.f('fk_basemap_features_basemap_basemaps'), onupdate='CASCADE', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_basemap_features'))
    )
    op.create_geospatial_index('idx_basemap_features_geom', 'basemap_features', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_index('ix_basemap_features_basemap', 'basemap_features', ['basemap'], unique=False)
    # Zoomed-out tiles read only these smaller indexes (the features drawn at that zoom),
    # never every building and street under a whole county.
    op.create_index('ix_basemap_features_geom_z10', 'basemap_features', ['geom'], unique=False, postgresql_using='gist', postgresql_where=sa.text('min_zoom <= 10'))
    op.create_index('ix_basemap_features_geom_z13', 'basemap_features', ['geom'], unique=False, postgresql_using='gist', postgresql_where=sa.text('min_zoom <= 13'))
    prefix = op.get_bind().execute(sa.text("SELECT gcrm_role_prefix()")).scalar_one()
    op.execute(f"GRANT SELECT ON basemaps, basemap_features TO {prefix}_user")
    # Place search (type a town or ZIP, the map goes there) runs as the user: postcode
    # centres and town names are public geography, no personal data.
    op.execute(f"GRANT SELECT ON ref_postcodes, ref_places TO {prefix}_user")


def downgrade() -> None:
    prefix = op.get_bind().execute(sa.text("SELECT gcrm_role_prefix()")).scalar_one()
    op.execute(f"REVOKE SELECT ON ref_postcodes, ref_places FROM {prefix}_user")
    op.drop_index('ix_basemap_features_geom_z13', table_name='basemap_features')
    op.drop_index('ix_basemap_features_geom_z10', table_name='basemap_features')
    op.drop_index('ix_basemap_features_basemap', table_name='basemap_features')
    op.drop_geospatial_index('idx_basemap_features_geom', table_name='basemap_features', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('basemap_features')
    op.drop_table('basemaps')
