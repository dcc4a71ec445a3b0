"""Small rankings exports in the three tools' shapes, written here (no third-party data)."""

from __future__ import annotations

SEMRUSH_HEADER = (
    "Keyword,Position,Previous position,Search Volume,Keyword Difficulty,CPC,URL,Traffic,"
    "Traffic (%),Traffic Cost,Competition,Number of Results,Trends,Timestamp,"
    "SERP Features by Keyword,Keyword Intents,Position Type"
)


def semrush_positions() -> bytes:
    """Semrush Organic Positions (UTF-8 CSV): 5 rows, one merged duplicate, one row without URL."""
    rows = [
        "trail running shoes,3,4,9900,61,1.20,https://www.example.com/collections/trail-running-shoes,"
        '820,12.5,984.00,0.81,120000000,"[1,2]",2025-09-11,"Sitelinks, Video","commercial",Organic',
        "Trail Running Shoes,2,2,9900,61,1.20,https://www.example.com/collections/trail-running-shoes/,"
        '40,0.6,48.00,0.81,120000000,"[1,2]",2025-09-11,"Sitelinks","commercial",People also ask',
        "waterproof trail shoes,7,9,1300,44,0.95,https://www.example.com/collections/waterproof-trail-shoes,"
        '95,1.4,90.00,0.7,5000000,"[1]",2025-09-12,"","commercial, transactional",Organic',
        "how to clean running shoes,5,5,2400,20,0.10,https://www.example.com/blog/clean-running-shoes,"
        '130,2.0,13.00,0.05,9000000,"[1]",2025-09-12,"","informational",Organic',
        'running shoes,45,50,60500,80,1.50,,0,0,0,0.9,900000000,"[1]",2025-09-12,"","commercial",Organic',
    ]
    return ("\n".join([SEMRUSH_HEADER, *rows]) + "\n").encode("utf-8")


def ahrefs_organic_keywords() -> bytes:
    """Ahrefs Organic keywords: UTF-16 LE with BOM, tab-separated, quoted cells (Polish)."""
    header = [
        "Keyword",
        "Country code",
        "Location",
        "Language",
        "Volume",
        "Organic traffic",
        "Current position",
        "Current URL",
        "Current URL inside",
        "Updated",
    ]
    rows = [
        [
            "szczoteczka elektryczna",
            "PL",
            "Poland",
            "Polish",
            "22000",
            "1885",
            "4",
            "https://www.example.pl/szczoteczki/elektryczne",
            "",
            "2026-02-08",
        ],
        [
            "szczoteczki elektryczne",
            "PL",
            "Poland",
            "Polish",
            "8100",
            "310",
            "6",
            "https://www.example.pl/szczoteczki/elektryczne",
            "",
            "2026-02-08",
        ],
        [
            "nić dentystyczna",
            "PL",
            "Poland",
            "Polish",
            "5400",
            "420",
            "2",
            "https://www.example.pl/nici-dentystyczne",
            "",
            "2026-02-12",
        ],
        [
            "",
            "PL",
            "Poland",
            "Polish",
            "10",
            "0",
            "90",
            "https://www.example.pl/x",
            "",
            "2026-02-12",
        ],
    ]
    lines = ["\t".join(f'"{c}"' for c in r) for r in [header, *rows]]
    return "\ufeff".encode("utf-16-le") + ("\n".join(lines) + "\n").encode("utf-16-le")


def gsc_query_page() -> bytes:
    """Search Console API shape (Date, Page, Query, Clicks, Impressions, CTR, Position).

    "trail shoes" is split between two pages over two dates: /trail takes 60 % of the clicks,
    /trail-guide 40 % (a conflict); "shoe care" is 95 % / 5 % (shared, no conflict).
    """
    header = "Date,Page,Query,Clicks,Impressions,CTR,Position"
    rows = [
        "2024-08-01,https://shop.example.com/trail,trail shoes,20,100,0.2,3.0",
        "2024-08-02,https://shop.example.com/trail,trail shoes,10,100,0.1,5.0",
        "2024-08-01,https://shop.example.com/trail-guide,trail shoes,20,150,0.13,6.0",
        "2024-08-01,https://shop.example.com/care,shoe care,19,40,0.47,1.0",
        "2024-08-01,https://shop.example.com/trail-guide,shoe care,1,30,0.03,9.0",
        "2024-08-01,https://shop.example.com/trail-guide,how to choose trail shoes,7,20,0.35,2.0",
    ]
    return ("\n".join([header, *rows]) + "\n").encode("utf-8")


def keyword_export() -> bytes:
    """A plain Semrush Keyword Magic export (no URL column): NOT a rankings export."""
    return (
        b"Keyword,Intent,Volume,Trend,Keyword Difficulty,CPC (USD),SERP Features\n"
        b'trail shoes,commercial,1000,"[1]",40,1.1,\n'
    )
