"""SQLAlchemy 2.x typed models, one module per package that owns tables.

Importing this package registers every table on ``Base.metadata`` (Alembic reads it).
Names, statuses and columns follow the owner's design documents
(``shared/design/cluster-funnel-design.md`` D5, ``primary-keywords-design.md``).
"""

from db.models.content import CONTENT_STATUSES, ContentPage, ContentVersion
from db.models.core import (
    CLUSTER_STATUSES,
    PAGE_ROLES,
    APIUsage,
    AppSetting,
    Base,
    BudgetReservation,
    CrawledPage,
    Job,
    KeywordMetric,
    PageKeywords,
    Project,
    TimestampMixin,
    utcnow,
)
from db.models.keyword_lists import (
    UNCLUSTERED_REASONS,
    ListCluster,
    ListClusterMember,
    ListHub,
    SerpCache,
)
from db.models.rankings import PagePrimaryKeyword, PageRanking
from db.models.seed_clusters import ClusterPage, KeywordCluster
from db.models.site import CRAWL_RUN_STATUSES, CrawlLink, CrawlRun

__all__ = [
    "CLUSTER_STATUSES",
    "CONTENT_STATUSES",
    "CRAWL_RUN_STATUSES",
    "PAGE_ROLES",
    "UNCLUSTERED_REASONS",
    "APIUsage",
    "AppSetting",
    "Base",
    "BudgetReservation",
    "ClusterPage",
    "ContentPage",
    "ContentVersion",
    "CrawlLink",
    "CrawlRun",
    "CrawledPage",
    "Job",
    "KeywordCluster",
    "KeywordMetric",
    "ListCluster",
    "ListClusterMember",
    "ListHub",
    "PageKeywords",
    "PagePrimaryKeyword",
    "PageRanking",
    "Project",
    "SerpCache",
    "TimestampMixin",
    "utcnow",
]
