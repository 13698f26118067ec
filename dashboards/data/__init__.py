"""The dashboards' only door to gcrm, one module per feature, with Streamlit caching around it.

Every read runs as the signed-in user (their PostgreSQL role), so row-level security and
masking decide what a page can show; the pages never see another user's data.

Pages call ``data.<function>``; each feature's functions live in their own module
(``session``, ``cube``, ``quality``, ``accounts``, ``territories``, ``tradeareas``,
``stats``, ``visits``, ...) and are
gathered here so a page needs one import.
"""

from dashboards.data.accounts import *  # noqa: F403
from dashboards.data.basemap import *  # noqa: F403
from dashboards.data.cube import *  # noqa: F403
from dashboards.data.forecast import *  # noqa: F403
from dashboards.data.home import *  # noqa: F403
from dashboards.data.quality import *  # noqa: F403
from dashboards.data.report import *  # noqa: F403
from dashboards.data.routing import *  # noqa: F403
from dashboards.data.session import *  # noqa: F403
from dashboards.data.stats import *  # noqa: F403
from dashboards.data.territories import *  # noqa: F403
from dashboards.data.tradeareas import *  # noqa: F403
from dashboards.data.visits import *  # noqa: F403
from gcrm.errors import GcrmError, PermissionDenied

__all__ = ["GcrmError", "PermissionDenied"]
