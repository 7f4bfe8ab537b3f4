"""The Ofsted site source on small pages of our own, through the recording FakeFetcher."""

from __future__ import annotations

from datetime import date

import pytest

from events.errors import SourceError
from service.fetch import FakeFetcher, RefusedURL, Response
from service.sources.site import (
    MemoryPageCache,
    OfstedSite,
    PageChanged,
    ProviderListing,
    PublicationListing,
)

R = "https://reports.example.test"
F = "https://files.example.test"
FIRST = R + "/search?q=&location=&lat=&lon=&radius=&level_1_types=3&level_2_types%5B%5D=12&start=0&rows=100"
SECOND = R + "/search?level_1_types=3&start=100&rows=100"


def page(body: str) -> str:
    return f"<!DOCTYPE html><html><head><title>t</title></head><body><main>{body}</main></body></html>"


def results(*providers: tuple[str, str], nxt: str | None = None) -> str:
    items = "".join(
        f'<li class="search-result"><h3><a href="/provider/44/{urn}">{name}</a></h3><ul><li>URN: {urn}</li></ul></li>'
        for urn, name in providers
    )
    pager = f'<nav class="pagination"><a class="pagination__next" href="{nxt}">Next</a></nav>' if nxt else ""
    return page(f'<h1 class="heading--title">Search results</h1><ul class="results-list">{items}</ul>{pager}')


def day(
    file_id: str,
    hidden: str,
    visible: str = "Children's services focused visit",
    iso: str = "2024-05-16",
    host: str = F,
) -> str:
    return (
        f'<li class="timeline__day"><p class="timeline__date"><time datetime="{iso}">x</time></p>'
        f'<div class="event"><a class="publication-link" href="{host}/v1/file/{file_id}">{visible} '
        f'<span class="nonvisual">{hidden}</span></a></div></li>'
    )


OPENED = (
    '<li class="timeline__day timeline__day--opened"><p class="timeline__date">Opened '
    '<time datetime="2021-04-01">1 April 2021</time></p></li>'
)


def provider(name: str, *days: str) -> str:
    return page(
        f'<h1 class="heading--title">{name}</h1><p class="provider__urn">URN: 1</p>'
        f'<ol class="timeline">{"".join(days)}</ol>'
    )


def site(fake: FakeFetcher, **kwargs: object) -> OfstedSite:
    return OfstedSite(fake, R, F, **kwargs)  # type: ignore[arg-type]


def test_lists_providers_across_pages() -> None:
    fake = FakeFetcher()
    fake.add(FIRST, results(("80464", "Dudley"), ("80487", "Barnet"), nxt=SECOND))
    fake.add(SECOND, results(("2637539", "North  Northamptonshire")))
    listed = site(fake).list_providers()
    assert listed == [
        ProviderListing("80464", "Dudley", R + "/provider/44/80464"),
        ProviderListing("80487", "Barnet", R + "/provider/44/80487"),
        ProviderListing("2637539", "North Northamptonshire", R + "/provider/44/2637539"),
    ]
    assert fake.urls == [FIRST, SECOND]


def test_provider_seen_on_two_pages_is_listed_once() -> None:
    fake = FakeFetcher()
    fake.add(FIRST, results(("1", "A"), ("2", "B"), nxt=SECOND))
    fake.add(SECOND, results(("2", "B"), ("3", "C")))
    assert [p.urn for p in site(fake).list_providers()] == ["1", "2", "3"]


def test_search_with_extra_wrappers_still_reads() -> None:
    body = page(
        '<div class="wrap"><ul class="results-list"><li><div><h2><span>'
        '<a href="https://reports.example.test/provider/44/80464/">Dudley</a></span></h2></div></li></ul>'
        '<div class="pager"><a rel="next" href="?start=100">more</a></div></div>'
    )
    fake = FakeFetcher()
    fake.add(FIRST, body)
    fake.add(R + "/search?start=100", results(("80487", "Barnet")))
    assert [p.urn for p in site(fake).list_providers()] == ["80464", "80487"]


def test_search_without_results_list_falls_back_to_provider_links() -> None:
    fake = FakeFetcher()
    fake.add(FIRST, page('<div class="cards"><a href="/provider/44/80464">Dudley</a></div>'))
    assert site(fake).list_providers() == [ProviderListing("80464", "Dudley", R + "/provider/44/80464")]


def test_changed_search_page_raises_loudly() -> None:
    fake = FakeFetcher()
    fake.add(FIRST, page('<div class="new-design"><a href="/report/80464">Dudley</a></div>'))
    with pytest.raises(PageChanged, match="no ul.results-list and no links to /provider"):
        site(fake).list_providers()


def test_results_list_with_no_provider_links_raises() -> None:
    fake = FakeFetcher()
    fake.add(FIRST, page('<ul class="results-list"><li><a href="/establishment/80464">Dudley</a></li></ul>'))
    with pytest.raises(PageChanged, match="none links to a provider page"):
        site(fake).list_providers()


def test_empty_search_is_not_read_as_nothing_new() -> None:
    fake = FakeFetcher()
    fake.add(FIRST, page('<ul class="results-list"></ul>'))
    with pytest.raises(PageChanged, match="listed no providers"):
        site(fake).list_providers()


def test_search_page_that_is_not_html_raises() -> None:
    fake = FakeFetcher()
    fake.add(FIRST, '{"error": "maintenance"}', content_type="application/json")
    with pytest.raises(PageChanged, match="expected an HTML page"):
        site(fake).list_providers()


def test_provider_links_to_another_host_are_skipped() -> None:
    fake = FakeFetcher()
    fake.add(
        FIRST, results(("1", "A")).replace("</ul>", '<li><a href="https://evil.test/provider/44/2">X</a></li></ul>', 1)
    )
    assert [p.urn for p in site(fake).list_providers()] == ["1"]


def test_next_page_on_another_host_is_refused() -> None:
    fake = FakeFetcher()
    fake.add(FIRST, results(("1", "A"), nxt="https://evil.test/search?start=100"))
    with pytest.raises(RefusedURL, match="refused: link to another host"):
        site(fake).list_providers()


def test_pagination_loop_raises() -> None:
    fake = FakeFetcher()
    fake.add(FIRST, results(("1", "A"), nxt=FIRST))
    with pytest.raises(PageChanged, match="does not end"):
        site(fake).list_providers()


def test_reads_a_provider_page() -> None:
    fake = FakeFetcher()
    fake.add(
        R + "/provider/44/2637539",
        provider(
            "North Northamptonshire",
            day("70000318", "Children's services focused visit, pdf - 31 October 2024"),
            day("50200024", "Children's services inspection, pdf - 25 November 2022"),
            OPENED,
        ),
    )
    got = site(fake).provider_page("2637539")
    assert got.name == "North Northamptonshire"
    assert got.opened == date(2021, 4, 1)
    assert got.publications == [
        PublicationListing(
            "2637539",
            "North Northamptonshire",
            "Children's services focused visit",
            date(2024, 10, 31),
            F + "/v1/file/70000318",
            "70000318",
        ),
        PublicationListing(
            "2637539",
            "North Northamptonshire",
            "Children's services inspection",
            date(2022, 11, 25),
            F + "/v1/file/50200024",
            "50200024",
        ),
    ]


@pytest.mark.parametrize(
    "hidden, label, when",
    [
        (
            "Children's services focused visit, PDF - 16 May 2024",
            "Children's services focused visit",
            date(2024, 5, 16),
        ),
        ("CHILDREN'S SERVICES INSPECTION, Pdf - 1 February 2013", "CHILDREN'S SERVICES INSPECTION", date(2013, 2, 1)),
        (
            "children&#x27;s services focused visit,pdf-7 Sept 2018",
            "children's services focused visit",
            date(2018, 9, 7),
        ),
        (
            "Joint area child protection inspection, report, pdf \u2013 3 March 2017",
            "Joint area child protection inspection, report",
            date(2017, 3, 3),
        ),
        ("Monitoring visit, pdf - 2 Dec 2021 (opens in a new window)", "Monitoring visit", date(2021, 12, 2)),
    ],
)
def test_label_and_date_text_variations(hidden: str, label: str, when: date) -> None:
    fake = FakeFetcher()
    fake.add(R + "/provider/44/1", provider("A", day("9", hidden)))
    pub = site(fake).provider_page("1").publications[0]
    assert (pub.label, pub.publication_date) == (label, when)


def test_publication_with_extra_wrappers_and_no_hidden_span() -> None:
    body = page(
        '<h1>Dudley</h1><section><ol class="timeline"><li class="timeline__day"><div><div>'
        '<time datetime="2024-05-16">16 May 2024</time><p><a href="/v1/file/123?x=1">'
        "Children's services focused visit</a></p></div></div></li></ol></section>"
    )
    fake = FakeFetcher()
    fake.add(R + "/provider/44/80464", body)
    got = site(fake).provider_page("80464")
    # A document link on the reports host itself is allowed (the local site serves both).
    assert [(p.label, p.publication_date, p.file_id, p.url) for p in got.publications] == [
        ("Children's services focused visit", date(2024, 5, 16), "123", R + "/v1/file/123?x=1")
    ]


def test_links_without_the_publication_class_are_read_by_target() -> None:
    body = provider(
        "A", day("5", "Area SEND full inspection, pdf - 1 July 2023").replace('class="publication-link" ', "")
    )
    fake = FakeFetcher()
    fake.add(R + "/provider/44/1", body)
    assert [p.label for p in site(fake).provider_page("1").publications] == ["Area SEND full inspection"]


def test_empty_timeline_is_fine() -> None:
    fake = FakeFetcher()
    fake.add(R + "/provider/44/1", provider("Newtown", OPENED))
    got = site(fake).provider_page("1")
    assert (got.name, got.publications, got.opened) == ("Newtown", [], date(2021, 4, 1))


def test_changed_provider_page_raises_loudly() -> None:
    fake = FakeFetcher()
    fake.add(R + "/provider/44/1", page('<div class="title">Dudley</div><div class="reports">none</div>'))
    with pytest.raises(PageChanged, match="no h1 heading, no ol.timeline"):
        site(fake).provider_page("1")


def test_publication_without_a_readable_date_raises() -> None:
    body = provider("A", '<li class="timeline__day"><a href="https://files.example.test/v1/file/7">Report</a></li>')
    fake = FakeFetcher()
    fake.add(R + "/provider/44/1", body)
    with pytest.raises(PageChanged, match="cannot read the label and date"):
        site(fake).provider_page("1")


def test_document_links_to_another_host_are_refused_and_reported() -> None:
    fake = FakeFetcher()
    fake.add(
        R + "/provider/44/1",
        provider(
            "A",
            day("1", "Children's services inspection, pdf - 1 May 2024", host="https://evil.test"),
            day("2", "Children's services inspection, pdf - 1 May 2023"),
        ),
    )
    got = site(fake).provider_page("1")
    assert [p.file_id for p in got.publications] == ["2"]
    assert got.refused == ["https://evil.test/v1/file/1"]


def test_same_document_twice_is_listed_once() -> None:
    fake = FakeFetcher()
    text = "Children's services inspection, pdf - 1 May 2024"
    fake.add(R + "/provider/44/1", provider("A", day("1", text), day("1", text)))
    assert len(site(fake).provider_page("1").publications) == 1


def test_missing_provider_page_is_a_source_error() -> None:
    with pytest.raises(SourceError, match="404"):
        site(FakeFetcher()).provider_page("999")


def test_cache_makes_conditional_requests_and_reparses_on_304() -> None:
    fake = FakeFetcher()
    body = provider("A", day("1", "Children's services inspection, pdf - 1 May 2024"))
    fake.add(R + "/provider/44/1", body, etag='"v1"')
    source = site(fake, cache=MemoryPageCache())
    first = source.provider_page("1")
    second = source.provider_page("1")
    assert second == first and len(second.publications) == 1
    assert [r.etag for r in fake.requests] == [None, '"v1"']
    assert source.stats == {"fetched": 1, "not_modified": 1}


def test_cache_follows_last_modified_too() -> None:
    fake = FakeFetcher()
    fake.add(FIRST, results(("1", "A")), last_modified="Wed, 20 Nov 2024 10:00:00 GMT")
    source = site(fake, cache=MemoryPageCache())
    assert source.list_providers() == source.list_providers()
    assert fake.requests[1].last_modified == "Wed, 20 Nov 2024 10:00:00 GMT"


def test_changed_page_replaces_the_cached_copy() -> None:
    fake = FakeFetcher()
    url = R + "/provider/44/1"
    fake.add(url, provider("A"), etag='"v1"')
    cache = MemoryPageCache()
    source = site(fake, cache=cache)
    assert source.provider_page("1").publications == []
    fake.add(url, provider("A", day("1", "Children's services inspection, pdf - 1 May 2024")), etag='"v2"')
    assert len(source.provider_page("1").publications) == 1
    assert cache.get(url).etag == '"v2"'  # type: ignore[union-attr]


def test_document_is_fetched_from_an_allowed_host_only() -> None:
    fake = FakeFetcher()
    fake.responses[F + "/v1/file/1"] = Response(F + "/v1/file/1", 200, b"%PDF-1.7", "application/pdf")
    assert site(fake).document(F + "/v1/file/1").body == b"%PDF-1.7"
    with pytest.raises(RefusedURL):
        site(fake).document("https://evil.test/v1/file/1")
    assert fake.urls == [F + "/v1/file/1"]
