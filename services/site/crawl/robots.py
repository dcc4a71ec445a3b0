"""robots.txt rules for our crawler, parsed by protego (Scrapy's parser).

protego implements the Robots Exclusion Protocol (RFC 9309): user-agent groups, ``*`` and ``$``
wildcards, longest-match precedence between Allow and Disallow, ``Crawl-delay``,
``Request-rate`` and ``Sitemap:`` lines. Pin ≥ 0.6.2: earlier releases backtrack exponentially
on a crafted Disallow line with many ``*`` (CVE-2026-55520, GHSA-wjmf-p669-5m5p).

What to do when robots.txt cannot be read follows RFC 9309 §2.3.1: a 4xx answer means no
restriction ("unavailable"); a 5xx answer or a network error means "unreachable", so nothing
may be crawled.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from protego import Protego

#: The product token robots.txt groups are matched against (``User-agent: ClusterPlanner``).
ROBOTS_TOKEN = "ClusterPlanner"
#: Longest Crawl-delay we obey, seconds. A larger value is capped (and reported): at 60 s a
#: 500-page crawl would take over 8 hours, which no onboarding can wait for.
MAX_DELAY_S = 30.0


@dataclass
class RobotsRules:
    """The rules that apply to our user agent.

    Attributes
    ----------
    status : str
        ``"ok"`` (parsed), ``"missing"`` (4xx: everything allowed) or ``"unreachable"``
        (5xx / network error: nothing allowed, RFC 9309 §2.3.1.4).
    delay_s : float or None
        Seconds between two requests asked by ``Crawl-delay`` or ``Request-rate`` (the larger),
        capped at :data:`MAX_DELAY_S`; None when robots.txt asks nothing.
    sitemaps : list of str
        Absolute URLs of its ``Sitemap:`` lines.
    detail : str
        Why robots.txt is missing/unreachable, or a note about a capped delay.
    """

    status: str = "missing"
    delay_s: float | None = None
    sitemaps: list[str] = field(default_factory=list)
    detail: str = ""
    _parser: Protego | None = None

    def allows(self, url: str) -> bool:
        """True when our user agent may fetch ``url`` (an absolute URL)."""
        if self.status == "unreachable":
            return False
        if self._parser is None:
            return True
        return bool(self._parser.can_fetch(url, ROBOTS_TOKEN))


def parse_robots(text: str) -> RobotsRules:
    """Rules of a robots.txt body for :data:`ROBOTS_TOKEN`.

    Parameters
    ----------
    text : str
        The robots.txt content.

    Returns
    -------
    RobotsRules
        ``status="ok"``; ``delay_s`` is the larger of ``Crawl-delay`` and the seconds per
        request of ``Request-rate`` (``1/5s`` → 5.0) for our group (or ``*``).
    """
    parser = Protego.parse(text)
    delays: list[float] = []
    crawl_delay = parser.crawl_delay(ROBOTS_TOKEN)
    if crawl_delay:
        delays.append(float(crawl_delay))
    rate = parser.request_rate(ROBOTS_TOKEN)
    if rate is not None and rate.requests:
        delays.append(float(rate.seconds) / float(rate.requests))
    delay = max(delays) if delays else None
    detail = ""
    if delay is not None and delay > MAX_DELAY_S:
        detail = f"robots.txt asks {delay:g} s between requests; capped at {MAX_DELAY_S:g} s"
        delay = MAX_DELAY_S
    return RobotsRules(
        status="ok",
        delay_s=delay,
        sitemaps=[str(u) for u in parser.sitemaps],
        detail=detail,
        _parser=parser,
    )


def rules_for_status(status: int | None, text: str, error: str = "") -> RobotsRules:
    """Rules from a robots.txt fetch outcome (RFC 9309 §2.3.1).

    Parameters
    ----------
    status : int or None
        Final HTTP status (None: the request failed, see ``error``).
    text : str
        Body when ``status`` is 2xx.
    error : str
        Network error message when ``status`` is None.
    """
    if status is not None and 200 <= status < 300:
        return parse_robots(text)
    if status is not None and 400 <= status < 500:
        return RobotsRules(status="missing", detail=f"robots.txt answered HTTP {status}")
    why = f"HTTP {status}" if status is not None else (error or "no answer")
    return RobotsRules(
        status="unreachable",
        detail=f"robots.txt is unreachable ({why}): nothing may be crawled (RFC 9309)",
    )
