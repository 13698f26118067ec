"""Pure geography on GeoPandas, Shapely and pyproj: no database, no CRM, no UI."""
