"""Models learned from a database's own facts: churn risk per account (``churn_features``,
``churn_train``, ``churn_score``, ``store``; SQL in ``sql``) and forecasts per region.
Import the module you need (``from gcrm.models import churn_train``): the learners are
heavy imports. See docs/models.md."""
