"""Charts: a title and description, a hover title per value, labels never cut, the data as a table; the map."""

import re
from xml.etree import ElementTree as ET

import pytest
from django.urls import reverse

from tests.factories import AgencyFactory
from tests.transparency.helpers import make_request
from transparency import charts, services

NS = {"s": "http://www.w3.org/2000/svg"}
LONG = "Mutual legal assistance request under a treaty"


def _parts(html: str):
    svg_text = html[: html.index("</svg>") + len("</svg>")]
    table = html[len(svg_text) :]
    return ET.fromstring(svg_text), table  # noqa: S314 - our own output


@pytest.mark.parametrize(
    "make",
    [
        lambda items: charts.horizontal_bars(items, "Requests by type"),
        lambda items: charts.vertical_bars(items, "Requests by type"),
    ],
)
def test_every_chart_has_title_desc_hover_values_and_a_table(make):
    items = [(LONG, 1234), ("Subpoena", 7), ("Search warrant", 0)]
    svg, table = _parts(str(make(items)))
    assert svg.find("s:title", NS).text == "Requests by type"
    assert "largest is " + LONG in svg.find("s:desc", NS).text
    hovers = [t.text for t in svg.findall("s:g/s:title", NS)]
    assert hovers == [f"{LONG}: 1,234", "Subpoena: 7", "Search warrant: 0"]
    assert svg.get("role") == "img" and svg.get("aria-labelledby")
    assert "<caption>Requests by type (data)</caption>" in table
    rows = re.findall(r'<tr><th scope="row">(.*?)</th><td class="n">(.*?)</td></tr>', table)
    assert rows == [(LONG, "1,234"), ("Subpoena", "7"), ("Search warrant", "0")]


def test_long_labels_are_wrapped_not_cut_and_text_is_large_enough():
    svg, _ = _parts(str(charts.horizontal_bars([(LONG, 5)], "Requests by type")))
    shown = " ".join(t.text for t in svg.iter("{http://www.w3.org/2000/svg}tspan"))
    assert shown == LONG and "…" not in ET.tostring(svg, encoding="unicode")
    lines = [t.text for t in svg.iter("{http://www.w3.org/2000/svg}tspan")]
    assert all(len(line) <= charts.LABEL_CHARS for line in lines) and len(lines) > 1
    # At a 330 px phone width the 400-unit drawing shrinks to 0.825: every text stays >= 11 px.
    width = float(svg.get("viewBox").split()[2])
    sizes = [float(t.get("font-size")) for t in svg.iter("{http://www.w3.org/2000/svg}text")]
    assert min(sizes) * 330 / width >= 11


def test_world_map_is_a_choropleth_of_real_shapes_with_hover_values_and_a_table():
    html = str(charts.world_map({"US": 900, "DE": 30, "FR": 1}, {"US": "United States", "DE": "Germany"}, "Map"))
    svg, table = _parts(html)
    paths = svg.findall(".//s:path", NS)
    assert len(paths) > 150  # every country of Natural Earth 1:110m but Antarctica
    by_title = {p.find("s:title", NS).text: p.get("fill") for p in paths}
    assert by_title["United States: 900"] == charts.MAP_BINS[-1]
    assert by_title["Germany: 30"] not in {charts.MAP_NONE, charts.MAP_BINS[-1]}
    assert any(t.endswith(": 0") and fill == charts.MAP_NONE for t, fill in by_title.items())
    assert "United States" in table and "900" in table and "Germany" in table
    sizes = [float(t.get("font-size")) for t in svg.iter("{http://www.w3.org/2000/svg}text")]
    assert min(sizes) * 330 / float(svg.get("viewBox").split()[2]) >= 11


@pytest.mark.django_db
def test_report_page_every_chart_has_a_title_and_a_table_equivalent(anon):
    agency = AgencyFactory(country="US")
    make_request(agency=agency, produced=["subscriber_info"])
    make_request(agency=AgencyFactory(country="DE"), country="DE", request_type="mlat")
    services.report_publish(report=services.report_build(period="2025-H1"))
    body = anon.get(reverse("transparency:report", args=["2025-H1"])).content.decode()
    svgs = re.findall(r"<svg .*?</svg>", body, re.S)
    assert len(svgs) == 5
    for svg in svgs:
        title = re.search(r"<title id=\"[^\"]+\">(.*?)</title><desc", svg).group(1)
        assert f"<caption>{title} (data)</caption>" in body
