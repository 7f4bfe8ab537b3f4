"""The feed source on small Atom and RSS feeds of our own."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from events.errors import SourceError
from service.fetch import FakeFetcher
from service.sources.feeds import FeedSource, classify

R = "https://reports.example.test"
F = "https://files.example.test"
ATOM_URL = "https://www.gov.example.test/search/research-and-statistics.atom"
RSS_URL = "https://news.example.test/rss.xml"

ATOM = f"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Research and statistics</title>
  <id>{ATOM_URL}</id>
  <updated>2024-11-21T09:30:00Z</updated>
  <entry>
    <id>tag:example,2024:1</id>
    <updated>2024-11-20T09:30:00+00:00</updated>
    <title>  Dudley: focused visit  </title>
    <link rel="alternate" type="text/html" href="{F}/v1/file/50250000"/>
    <summary>Letter</summary>
  </entry>
  <entry>
    <id>tag:example,2024:2</id>
    <updated>2024-11-19T10:00:00Z</updated>
    <title>Barnet</title>
    <link href="{R}/provider/44/80487"/>
    <summary>Provider page</summary>
  </entry>
  <entry>
    <id>tag:example,2024:3</id>
    <updated>2024-11-18T10:00:00Z</updated>
    <title>Children's social care statistics</title>
    <link href="/government/statistics/childrens-social-care"/>
    <summary>Not a report</summary>
  </entry>
</feed>
"""

RSS = f"""<?xml version="1.0"?>
<rss version="2.0"><channel><title>News</title><link>https://news.example.test/</link>
<item><title>Report</title><link>{F}/v1/file/42</link><guid>g-42</guid>
<pubDate>Thu, 21 Nov 2024 08:00:00 GMT</pubDate><description>d</description></item>
<item><title>No id, no date</title><link>https://news.example.test/other</link></item>
</channel></rss>
"""


def source(fake: FakeFetcher, *urls: str) -> FeedSource:
    return FeedSource(fake, urls or [ATOM_URL], reports_url=R, files_url=F)


def test_atom_entries_are_read_and_classified() -> None:
    fake = FakeFetcher()
    fake.add(ATOM_URL, ATOM, content_type="application/atom+xml")
    doc, prov, other = source(fake).read(ATOM_URL)
    assert (doc.entry_id, doc.title, doc.link, doc.summary) == (
        "tag:example,2024:1",
        "Dudley: focused visit",
        F + "/v1/file/50250000",
        "Letter",
    )
    assert doc.updated == datetime(2024, 11, 20, 9, 30, tzinfo=UTC)
    assert (doc.kind, doc.file_id, doc.urn) == ("document", "50250000", None)
    assert (prov.kind, prov.file_id, prov.urn) == ("provider", None, "80487")
    # Everything else is kept, for the caller to record, with its relative link made absolute.
    assert (other.kind, other.link) == (
        "other",
        "https://www.gov.example.test/government/statistics/childrens-social-care",
    )
    assert all(e.feed_url == ATOM_URL for e in (doc, prov, other))


def test_rss_entries_are_read_and_entries_without_id_keep_an_identity() -> None:
    fake = FakeFetcher()
    fake.add(RSS_URL, RSS, content_type="application/rss+xml")
    report, other = source(fake, RSS_URL).read(RSS_URL)
    assert (report.entry_id, report.kind, report.file_id) == ("g-42", "document", "42")
    assert report.updated == datetime(2024, 11, 21, 8, 0, tzinfo=UTC)
    assert (other.entry_id, other.kind, other.updated) == ("https://news.example.test/other", "other", None)


def test_malformed_feed_is_a_clear_source_error() -> None:
    fake = FakeFetcher()
    fake.add(ATOM_URL, ATOM.replace("</entry>\n</feed>", "</entry>"), content_type="application/atom+xml")
    with pytest.raises(SourceError, match="feed .*research-and-statistics.atom is malformed"):
        source(fake).read(ATOM_URL)


def test_html_page_instead_of_a_feed_is_a_source_error() -> None:
    fake = FakeFetcher()
    fake.add(ATOM_URL, "<html><body><p>Sorry, we are down</p></body></html>", content_type="text/html")
    with pytest.raises(SourceError, match="feed"):
        source(fake).read(ATOM_URL)


def test_one_failing_feed_does_not_stop_the_others() -> None:
    fake = FakeFetcher()
    fake.add(RSS_URL, RSS)
    fake.responses[ATOM_URL] = SourceError("GET failed after 4 tries")
    results = source(fake, ATOM_URL, RSS_URL).read_all()
    assert [e.entry_id for e in results.entries] == ["g-42", "https://news.example.test/other"]
    assert results.failures == {ATOM_URL: "GET failed after 4 tries"}


@pytest.mark.parametrize(
    "link, expected",
    [
        (F + "/v1/file/123", ("document", "123", None)),
        (R + "/v1/file/123", ("document", "123", None)),  # the reports host serves files too (locally)
        (R + "/provider/44/80464", ("provider", None, "80464")),
        (R + "/provider/44/80464/", ("provider", None, "80464")),
        (F + "/provider/44/80464", ("other", None, None)),
        ("https://evil.test/v1/file/123", ("other", None, None)),
        (R + "/search?q=x", ("other", None, None)),
        ("", ("other", None, None)),
    ],
)
def test_classify(link: str, expected: tuple) -> None:
    assert classify(link, R, F) == expected
