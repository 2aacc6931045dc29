"""The demo media templates: every demo resource maps to one, and a few files serve all."""

from __future__ import annotations

from collections import Counter

from xbt_catalog.seed import loader
from xbt_catalog.seed.media import TEMPLATES, Template, render_html, template_of


def test_every_demo_resource_has_a_template_of_its_format() -> None:
    used: Counter[str] = Counter()
    docs = loader.resources()
    for doc in docs:
        key = template_of(doc)
        assert key in TEMPLATES, doc["_id"]
        fmt = doc["media"]["format"]
        # PowerPoint courseware is served as PDF slides; the rest keep their format
        assert TEMPLATES[key].format == ("pdf" if fmt == "pptx" else fmt), doc["_id"]
        used[key] += 1
    assert set(used) == set(TEMPLATES)
    # the replays of the TV broadcasts ended by the seed moment
    assert used["video.tv"] == sum("tv_slot_id" in d for d in docs) > 0


def test_sources_name_what_a_file_is_made_from() -> None:
    one = TEMPLATES["video.lesson"]
    assert one.source("/fonts/NotoSansCJK-Regular.ttc") == one.source("/x/NotoSansCJK-Regular.ttc")
    assert one.source(None) != one.source("/fonts/NotoSansCJK-Regular.ttc")
    other = Template(**{**one.__dict__, "title": "另一个标题"})
    assert other.source(None) != one.source(None)


def test_pages_hold_no_script_and_fold_the_answers() -> None:
    page = render_html(TEMPLATES["html.exercise"])
    assert "<script" not in page and "<details><summary>参考答案</summary>" in page
