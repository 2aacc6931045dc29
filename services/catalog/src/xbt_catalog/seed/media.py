"""Demo media: a real file behind every demo resource, stored in GridFS of the resource's own
database and named by `media.url` (the catalog's `/v1/media/<id>` route).

The demo documents name their media at placeholder addresses (`common.MEDIA_BASE`, a
reserved domain that resolves nowhere). After they are inserted, this step renders one file
per *template* — a kind of recording or document, not each resource — stores it once per
database that needs it, and points the resources of that template at it:

- videos: 12 s of H.264/AAC MP4 (`+faststart`, so players start before the whole file is
  in), a slide with the template's title in Chinese and a playhead that crosses the frame
  while a time code counts, and a soft tick each second on the sound track;
- documents: PDF pages (worksheets, slides for courseware, which were PowerPoint files in
  name only) and self-contained HTML pages for the interactive (h5) resources.

Rendering takes about half a second per video. A file is cached by the hash of what it is
made from (template, generator version, font): a database that already holds it, or the
cache folder, spares the rendering, so seeding again renders nothing and stores nothing.
Texts are drawn with a CJK font when the machine has one (Noto Sans CJK), else in English.
"""

from __future__ import annotations

import hashlib
import html
import io
import json
import math
import os
import struct
import tempfile
import time
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from xbt_catalog.media.domain import CONTENT_TYPES, media_id_of
from xbt_catalog.media.service import MediaSettings
from xbt_catalog.media.store import MediaStore
from xbt_catalog.seed.common import MEDIA_BASE
from xbt_shared.mongo import Doc, Mongo
from xbt_shared.tenancy import ALL_TENANTS

# Bump when the rendering changes: files made by another version are made anew.
GENERATOR = "xbt-demo-media/1"

VIDEO_SIZE = (640, 360)
VIDEO_FPS = 15
VIDEO_SECONDS = 12
AUDIO_RATE = 44_100

FONT_FILES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)
# The simplified-Chinese face in a Noto CJK collection.
NOTO_SC_INDEX = 2

Kind = Literal["video", "pdf", "slides", "html", "cover"]
Color = tuple[int, int, int]


@dataclass(frozen=True)
class Template:
    """What one demo file shows. `body` holds a document's lines (a line starting with `#`
    is a heading); `en` the English title drawn when no CJK font is at hand."""

    key: str
    kind: Kind
    label: str
    title: str
    subtitle: str
    en: str
    color: Color
    body: tuple[str, ...] = field(default=())

    @property
    def format(self) -> str:
        return {"video": "mp4", "pdf": "pdf", "slides": "pdf", "html": "h5", "cover": "jpg"}[
            self.kind
        ]

    def source(self, font: str | None) -> str:
        """The hash of everything the file is made from."""
        made_of = {"generator": GENERATOR, "font": Path(font).name if font else None}
        raw = json.dumps({**asdict(self), **made_of}, ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(raw.encode()).hexdigest()


RED: Color = (178, 34, 34)
BLUE: Color = (31, 78, 140)
GREEN: Color = (46, 125, 50)
ORANGE: Color = (204, 102, 0)
PURPLE: Color = (106, 27, 154)

_EXERCISE = (
    "# 一、基础练习",
    "1. 认真阅读本课内容，用自己的话说一说本课的主要知识点。",
    "2. 填空：本课学习的核心概念是 ________，它的关键特征是 ________。",
    "3. 判断：课本例题的解题思路可以直接用于课后第 2 题。（  ）",
    "# 二、能力提升",
    "4. 结合生活实例，举出一个运用本课知识解决问题的例子，并写出过程。",
    "5. 与同学交流你的做法，比较不同方法的异同。",
    "# 三、拓展探究",
    "6. 查阅资料，了解与本课内容有关的一项科学发现或文化知识，写一段不少于 100 字的介绍。",
    "# 参考答案",
    "1-3 题答案见教材本课“学习目标”与例题；4-6 题言之有理即可。",
)
_SLIDES = (
    "# 学习目标",
    "理解本课的核心概念；能运用所学解决简单问题；养成居家自主学习的习惯。",
    "# 新知探究",
    "观察课本插图与例题，思考：它们说明了什么？尝试用自己的话概括。",
    "# 课堂小结",
    "回顾本课重点，完成配套练习，把不懂的问题记下来在线上答疑时提出。",
)
_PACKAGE = (
    "# 教学设计",
    "依据课程标准与人教版教材，分课时设计教学目标、重难点与教学过程。",
    "# 课件与微课",
    "每课时配套课件一份、微课视频一段，可直接用于线上授课。",
    "# 学习任务单",
    "课前预习、课中探究、课后巩固三部分，供学生居家学习使用。",
    "# 课后练习",
    "分层设计基础题与拓展题，附参考答案。",
)
_MATERIAL = (
    "# 练习要点",
    "每次练习前先做热身活动，练习时注意安全，量力而行。",
    "# 居家跟练",
    "跟随视频或图示分步练习，每天 15 至 20 分钟，坚持一周后和家人分享成果。",
)

VIDEO_TEMPLATES = (
    Template(
        "video.lesson",
        "video",
        "一师一优课 · 一课一名师",
        "课堂实录",
        "天津市教育科学研究院 · 演示视频",
        "Lesson recording",
        RED,
    ),
    Template(
        "video.district",
        "video",
        "区级优课",
        "课堂实录",
        "区教研室推荐 · 演示视频",
        "District lesson",
        BLUE,
    ),
    Template(
        "video.school",
        "video",
        "校本资源",
        "校本微课",
        "课前预习 · 演示视频",
        "School micro-lesson",
        GREEN,
    ),
    Template(
        "video.tv",
        "video",
        "毕业年级复习专题课",
        "电视课堂回看",
        "天津有线电视 · 演示视频",
        "TV review lesson",
        ORANGE,
    ),
    Template(
        "video.enrichment",
        "video",
        "个性化学习",
        "居家跟练",
        "体育 · 艺术 · 科普 · 演示视频",
        "Enrichment",
        PURPLE,
    ),
)
COURSE_VIDEO = Template(
    "video.course",
    "video",
    "开放学堂",
    "空中课堂 · 博学乐园",
    "天津市电化教育馆 · 演示视频",
    "Open school",
    GREEN,
)
TEXTBOOK_PDF = Template(
    "pdf.textbook",
    "pdf",
    "人教版数字教材",
    "数字教材 样章",
    "目录与章节内容见阅读页",
    "Digital textbook",
    RED,
    (
        "# 使用说明",
        "本文件为数字教材的样章，完整章节请在平台的阅读页中按目录阅读。",
        "# 阅读建议",
        "先浏览本单元目录，再按课时阅读课文与例题，最后完成配套练习。",
    ),
)
COVER_COLORS: tuple[Color, ...] = (RED, BLUE, GREEN, ORANGE, PURPLE)


def cover(title: str, subtitle: str, n: int) -> Template:
    """The cover picture of a textbook subject or an open-school program."""
    color = COVER_COLORS[n % len(COVER_COLORS)]
    return Template(f"cover.{title}", "cover", subtitle, title, subtitle, "Cover", color)


DOCUMENT_TEMPLATES = (
    Template(
        "pdf.exercise",
        "pdf",
        "同步练习",
        "课时练习",
        "基础 · 提升 · 拓展（附参考答案）",
        "Exercises",
        BLUE,
        _EXERCISE,
    ),
    Template(
        "slides.courseware",
        "slides",
        "教学课件",
        "教学课件",
        "与人教版教材同步",
        "Courseware",
        RED,
        _SLIDES,
    ),
    Template(
        "pdf.enrichment",
        "pdf",
        "资源素材",
        "资源素材",
        "个性化学习 · 居家跟练",
        "Enrichment material",
        PURPLE,
        _MATERIAL,
    ),
    Template(
        "html.courseware",
        "html",
        "互动课件",
        "互动课件",
        "可在手机和平板上使用",
        "Interactive courseware",
        RED,
        _SLIDES,
    ),
    Template(
        "html.exercise",
        "html",
        "在线同步练习",
        "在线同步练习",
        "做完后展开查看参考答案",
        "Online exercises",
        BLUE,
        _EXERCISE,
    ),
    Template(
        "html.teaching_package",
        "html",
        "示范教学包",
        "示范教学包",
        "天津市教育科学研究院",
        "Teaching package",
        GREEN,
        _PACKAGE,
    ),
    Template(
        "html.enrichment",
        "html",
        "资源素材",
        "资源素材",
        "个性化学习 · 居家跟练",
        "Enrichment material",
        PURPLE,
        _MATERIAL,
    ),
)
TEMPLATES: dict[str, Template] = {t.key: t for t in VIDEO_TEMPLATES + DOCUMENT_TEMPLATES}
OTHER_TEMPLATES: dict[str, Template] = {t.key: t for t in (COURSE_VIDEO, TEXTBOOK_PDF)}


def template_of(doc: Mapping[str, Any]) -> str:
    """Which template's file a demo resource gets."""
    fmt = (doc.get("media") or {}).get("format")
    kind = doc.get("kind")
    tags = set(doc.get("tags") or ())
    if fmt == "mp4":
        if kind == "enrichment":
            return "video.enrichment"
        if "复习专题" in tags:
            return "video.tv"
        if "区级优课" in tags:
            return "video.district"
        if "微课" in tags or "校本资源" in tags:
            return "video.school"
        return "video.lesson"
    if fmt == "h5":
        key = f"html.{kind}"
        return key if key in TEMPLATES else "html.courseware"
    if kind == "courseware":
        return "slides.courseware"
    if kind == "enrichment":
        return "pdf.enrichment"
    return "pdf.exercise"


# rendering ------------------------------------------------------------------------------------


def cjk_font() -> str | None:
    """A font file with Chinese glyphs, if the machine has one."""
    return next((f for f in FONT_FILES if os.path.exists(f)), None)


def _font(path: str | None, size: int) -> Any:
    from PIL import ImageFont

    if path is None:
        return ImageFont.load_default(size)
    index = NOTO_SC_INDEX if path.endswith(".ttc") and "Noto" in path else 0
    return ImageFont.truetype(path, size, index=index)


@dataclass(frozen=True)
class Rendered:
    data: bytes
    format: str
    duration_s: int | None

    @property
    def media_id(self) -> str:
        return media_id_of(self.data)


def render(template: Template, font: str | None) -> Rendered:
    if template.kind == "video":
        return Rendered(render_video(template, font), "mp4", VIDEO_SECONDS)
    if template.kind == "html":
        return Rendered(render_html(template).encode(), "h5", None)
    if template.kind == "cover":
        return Rendered(render_cover(template, font), "jpg", None)
    return Rendered(render_pdf(template, font), "pdf", None)


def render_cover(template: Template, font: str | None) -> bytes:
    """A 300x400 cover: the title on a band of the template's colour."""
    from PIL import Image, ImageDraw

    w, h = 300, 400
    image = Image.new("RGB", (w, h), (247, 245, 238))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, h // 4, w, h // 2 + 20), fill=template.color)
    title = template.title if font is not None else template.en
    draw.text((w // 2, h * 3 // 8 + 10), title, font=_font(font, 36), fill="white", anchor="mm")
    label = template.label if font is not None else "xuebuting"
    draw.text((w // 2, h * 3 // 4), label, font=_font(font, 20), fill=(90, 90, 90), anchor="mm")
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=80)
    return buf.getvalue()


def render_textbook_page(doc: Mapping[str, Any]) -> bytes:
    """A textbook's reading page: its title and its chapter tree, each lesson an entry."""
    esc = html.escape
    units = []
    for unit in doc.get("tree") or []:
        lessons = "".join(
            f"<li>{esc(str(ls.get('title', '')))}</li>" for ls in unit.get("children") or []
        )
        units.append(
            f"<section><h2>{esc(str(unit.get('title', '')))}</h2><ol>{lessons}</ol></section>"
        )
    title = esc(str(doc.get("title", "")))
    return (
        '<!doctype html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title><style>"
        "body{font-family:system-ui,'Noto Sans CJK SC','PingFang SC','Microsoft YaHei',sans-serif;"
        "margin:0;background:#f7f5ee;color:#282828;line-height:1.7}"
        "header{background:rgb(178,34,34);color:#fff;padding:1rem 1.25rem}"
        "h1{margin:0;font-size:1.5rem}"
        "main{padding:0 1.25rem 2rem;max-width:46rem}h2{font-size:1.1rem}"
        "section{background:#fff;border-radius:.5rem;padding:.5rem 1rem;margin:1rem 0}"
        "</style></head><body>"
        f"<header><h1>{title}</h1><p>{esc(str(doc.get('edition', '')))} · 目录</p></header>"
        f"<main>{''.join(units)}</main></body></html>\n"
    ).encode()


def _texts(template: Template, font: str | None) -> tuple[str, str, str]:
    if font is None:  # no Chinese glyphs: say it in English
        return template.en, "Demo", "xuebuting demo media"
    return template.label, template.title, template.subtitle


def _slide(template: Template, font: str | None, size: tuple[int, int]) -> Any:
    """The still part of a video frame: header band, title, subtitle."""
    from PIL import Image, ImageDraw

    w, h = size
    label, title, subtitle = _texts(template, font)
    image = Image.new("RGB", size, (247, 245, 238))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, w, h // 6), fill=template.color)
    draw.text((w // 24, h // 12), label, font=_font(font, h // 15), fill="white", anchor="lm")
    draw.text(
        (w // 2, h * 5 // 12), title, font=_font(font, h // 8), fill=(40, 40, 40), anchor="mm"
    )
    draw.text(
        (w // 2, h * 7 // 12), subtitle, font=_font(font, h // 20), fill=(96, 96, 96), anchor="mm"
    )
    return image


def render_video(template: Template, font: str | None) -> bytes:
    """12 s of 640x360 H.264 (yuv420p, main profile) and mono AAC in an MP4 with its index
    first (`+faststart`)."""
    import av
    from PIL import ImageDraw

    w, h = VIDEO_SIZE
    still = _slide(template, font, VIDEO_SIZE)
    small = _font(font, h // 20)
    frames = VIDEO_FPS * VIDEO_SECONDS
    left, right, bar_y = w // 16, w - w // 16, h * 5 // 6
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "media.mp4")
        out = av.open(path, "w", format="mp4", options={"movflags": "+faststart"})
        video = out.add_stream(
            "libx264",
            rate=VIDEO_FPS,
            options={"preset": "veryfast", "crf": "30", "profile": "main", "g": "30"},
        )
        video.width, video.height, video.pix_fmt = w, h, "yuv420p"
        audio = out.add_stream("aac", rate=AUDIO_RATE, layout="mono")
        for n in range(frames):
            t = n / VIDEO_FPS
            frame = still.copy()
            draw = ImageDraw.Draw(frame)
            x = left + (right - left) * n / (frames - 1)
            draw.rectangle((left, bar_y - 3, right, bar_y + 3), fill=(214, 208, 196))
            draw.rectangle((left, bar_y - 3, x, bar_y + 3), fill=template.color)
            draw.ellipse((x - 10, bar_y - 10, x + 10, bar_y + 10), fill=template.color)
            clock = f"{int(t) // 60:02d}:{int(t) % 60:02d} / 00:{VIDEO_SECONDS:02d}"
            draw.text((right, bar_y + 24), clock, font=small, fill=(96, 96, 96), anchor="rm")
            for packet in video.encode(av.VideoFrame.from_image(frame)):
                out.mux(packet)
        for packet in video.encode():
            out.mux(packet)
        # The tick repeats every second (660 whole periods): one second's samples serve all.
        second = struct.pack(f"<{AUDIO_RATE}f", *(_tick(k / AUDIO_RATE) for k in range(AUDIO_RATE)))
        block = 1024
        for start in range(0, AUDIO_RATE * VIDEO_SECONDS, block):
            offset = start % AUDIO_RATE
            samples = (second + second)[offset * 4 : (offset + block) * 4]
            sound = av.AudioFrame(format="flt", layout="mono", samples=block)
            sound.planes[0].update(samples)
            sound.sample_rate = AUDIO_RATE
            sound.pts = start
            for packet in audio.encode(sound):
                out.mux(packet)
        for packet in audio.encode():
            out.mux(packet)
        out.close()
        with open(path, "rb") as f:
            return f.read()


def _tick(t: float) -> float:
    """A soft 660 Hz tick at each whole second, fading within a tenth of a second."""
    since = t % 1.0
    return 0.06 * math.exp(-since * 30) * math.sin(2 * math.pi * 660 * t)


def _sections(lines: Iterable[str]) -> list[tuple[str, list[str]]]:
    """A document's lines as (heading, paragraphs)."""
    sections: list[tuple[str, list[str]]] = []
    for line in lines:
        if line.startswith("#"):
            sections.append((line.lstrip("# "), []))
        elif sections:
            sections[-1][1].append(line)
        else:
            sections.append(("", [line]))
    return sections


def _wrap(text: str, width: int) -> list[str]:
    return [text[i : i + width] for i in range(0, len(text), width)] or [""]


def render_pdf(template: Template, font: str | None) -> bytes:
    """A worksheet (A4 portrait) or slides (16:9), drawn with Pillow, as a PDF."""
    from PIL import Image, ImageDraw

    slides = template.kind == "slides"
    size = (960, 540) if slides else (794, 1123)  # 96 dpi: 16:9 slides, A4
    w, h = size
    label, title, subtitle = _texts(template, font)
    lines = template.body if font is not None else tuple(f"# Part {n}" for n in (1, 2, 3))
    pages: list[Any] = [_slide(template, font, size).convert("L")]
    if slides:
        for heading, texts in _sections(lines):
            page = Image.new("L", size, 255)
            draw = ImageDraw.Draw(page)
            draw.rectangle((0, 0, w, h // 7), fill=60)
            draw.text((40, h // 14), heading, font=_font(font, 34), fill=255, anchor="lm")
            y = h // 7 + 50
            for text in texts:
                for part in _wrap(text, 24):
                    draw.text((60, y), part, font=_font(font, 30), fill=30)
                    y += 48
            pages.append(page)
    else:
        page = Image.new("L", size, 255)
        draw = ImageDraw.Draw(page)
        draw.text(
            (w // 2, 70),
            f"{title}（{label}）" if font else title,
            font=_font(font, 30),
            fill=0,
            anchor="mm",
        )
        draw.text((w // 2, 112), subtitle, font=_font(font, 18), fill=80, anchor="mm")
        draw.line((60, 140, w - 60, 140), fill=0, width=2)
        y = 170
        for text in lines:
            is_heading = text.startswith("#")
            for part in _wrap(text.lstrip("# "), 34):
                draw.text(
                    (60 if is_heading else 80, y),
                    part,
                    font=_font(font, 22 if is_heading else 18),
                    fill=0,
                )
                y += 36 if is_heading else 30
            if not is_heading:
                draw.line((80, y + 6, w - 60, y + 6), fill=190)
                y += 40
        pages.append(page)
    buf = io.BytesIO()
    pages[0].save(buf, "PDF", save_all=True, append_images=pages[1:], resolution=96.0)
    return buf.getvalue()


def render_html(template: Template) -> str:
    """A self-contained page (no script, no outside file): sections, and the answers of an
    exercise folded away until the pupil opens them."""
    esc = html.escape
    parts: list[str] = []
    for heading, lines in _sections(template.body):
        paragraphs = "".join(f"<p>{esc(line)}</p>" for line in lines)
        if "答案" in heading:
            parts.append(f"<details><summary>{esc(heading)}</summary>{paragraphs}</details>")
        else:
            parts.append(f"<section><h2>{esc(heading)}</h2>{paragraphs}</section>")
    r, g, b = template.color
    return (
        '<!doctype html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(template.title)}</title><style>"
        "body{font-family:system-ui,'Noto Sans CJK SC','PingFang SC','Microsoft YaHei',sans-serif;"
        "margin:0;background:#f7f5ee;color:#282828;line-height:1.7}"
        f"header{{background:rgb({r},{g},{b});color:#fff;padding:1rem 1.25rem}}"
        "header p{margin:.25rem 0 0;opacity:.85}main{padding:0 1.25rem 2rem;max-width:46rem}"
        "section,details{background:#fff;border-radius:.5rem;padding:.5rem 1rem;margin:1rem 0}"
        "summary{cursor:pointer;font-weight:600}h1{margin:0;font-size:1.5rem}h2{font-size:1.1rem}"
        "</style></head><body>"
        f"<header><h1>{esc(template.title)}</h1><p>{esc(template.subtitle)}</p></header>"
        f"<main>{''.join(parts)}</main></body></html>\n"
    )


# seeding --------------------------------------------------------------------------------------


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache")
    return Path(base) / "xbt-catalog" / "media"


@dataclass
class Renderer:
    """Renders a template's file at most once per process, and once per machine with a
    cache folder (files named by their source hash)."""

    font: str | None = field(default_factory=cjk_font)
    cache_dir: Path | None = field(default_factory=default_cache_dir)
    rendered: dict[str, Rendered] = field(default_factory=dict)
    seconds: float = 0.0  # time spent rendering

    def source(self, template: Template) -> str:
        return template.source(self.font)

    def file(self, template: Template) -> Rendered:
        source = self.source(template)
        if source in self.rendered:
            return self.rendered[source]
        cached = self._cached(source, template)
        if cached is None:
            started = time.perf_counter()
            cached = render(template, self.font)
            self.seconds += time.perf_counter() - started
            self._keep(source, cached)
        self.rendered[source] = cached
        return cached

    def _path(self, source: str) -> Path | None:
        return self.cache_dir / source if self.cache_dir is not None else None

    def _cached(self, source: str, template: Template) -> Rendered | None:
        path = self._path(source)
        if path is None or not path.is_file():
            return None
        duration = VIDEO_SECONDS if template.kind == "video" else None
        return Rendered(path.read_bytes(), template.format, duration)

    def _keep(self, source: str, rendered: Rendered) -> None:
        path = self._path(source)
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            part = path.with_suffix(f".{os.getpid()}.part")
            part.write_bytes(rendered.data)
            part.replace(path)
        except OSError:  # a read-only home: rendering again next time is all it costs
            pass


def _placeholder_range() -> Doc:
    # Every URL under the placeholder host: "<base>/" <= url < "<base>0" ('0' follows '/').
    return {"$gte": f"{MEDIA_BASE}/", "$lt": f"{MEDIA_BASE}0"}


async def _stored(store: MediaStore, renderer: Renderer, template: Template) -> tuple[Doc, bool]:
    """The template's file in this database (stored now if it was not): its `media` field
    for resources, and whether it was new."""
    source = renderer.source(template)
    found = await store.file_from(source)
    new = False
    if found is None:
        made = renderer.file(template)
        metadata = {
            "source": source,
            "template": template.key,
            "content_type": CONTENT_TYPES[made.format],
            "format": made.format,
            "duration_s": made.duration_s,
            "generator": GENERATOR,
            "public": template.kind == "cover",
        }
        filename = f"{template.key}.{'html' if made.format == 'h5' else made.format}"
        new = await store.put(made.media_id, made.data, filename=filename, metadata=metadata)
        found = await store.file(made.media_id)
        assert found is not None
    return {
        "media_id": found.media_id,
        "owner": store.tenant.id,
        "public": found.public,
        "duration_s": found.metadata.get("duration_s"),
        "size_bytes": found.size,
        "format": found.metadata.get("format"),
    }, new


async def seed_media(
    mongo: Mongo,
    *,
    settings: MediaSettings | None = None,
    renderer: Renderer | None = None,
    tenants: Iterable[str] | None = None,
) -> dict[str, int]:
    """Give every demo resource still at a placeholder address its file; how many files
    were stored and how many resources now name one."""
    settings = settings or MediaSettings()
    renderer = renderer or Renderer()
    files = linked = books = courses = 0
    wanted = set(tenants) if tenants is not None else None
    for tenant in ALL_TENANTS:
        if wanted is not None and tenant.id not in wanted:
            continue
        tdb = mongo.for_tenant(tenant)
        resources = tdb["resources"]
        groups: dict[str, list[str]] = {}
        query = {"media.url": _placeholder_range()}
        async for doc in resources.find(query, {"kind": 1, "tags": 1, "media.format": 1}):
            groups.setdefault(template_of(doc), []).append(doc["_id"])
        store = MediaStore(tdb)
        await store.ensure_indexes()
        for key, ids in sorted(groups.items()):
            found, new = await _stored(store, renderer, TEMPLATES[key])
            files += new
            media = {
                "url": settings.media_url(found["media_id"]),
                "duration_s": found["duration_s"],
                "size_bytes": found["size_bytes"],
                "format": found["format"],
            }
            for start in range(0, len(ids), 1000):
                done = await resources.update_many(
                    {"_id": {"$in": ids[start : start + 1000]}, **query}, {"$set": {"media": media}}
                )
                linked += done.modified_count
        seeded = await _textbooks(tdb, store, renderer, settings, query)
        files += seeded[0]
        books += seeded[1]
        seeded = await _courses(tdb, store, renderer, settings, query)
        files += seeded[0]
        courses += seeded[1]
    return {
        "media files": files,
        "resources with media": linked,
        "textbooks with media": books,
        "courses with media": courses,
    }


def _url(settings: MediaSettings, found: Doc) -> str:
    url = settings.media_url(found["media_id"])
    # a public file (a cover) is read without a link, from the database the URL names
    return f"{url}?owner={found['owner']}" if found.get("public") else url


async def _textbooks(
    tdb: Any, store: MediaStore, renderer: Renderer, settings: MediaSettings, query: Doc
) -> tuple[int, int]:
    """Each textbook's reading page (its own table of contents), the sample PDF and its
    subject's cover."""
    files = done = 0
    textbooks = tdb["textbooks"]
    subjects: list[str] = []
    async for doc in textbooks.find({"read_url": query["media.url"]}):
        page = render_textbook_page(doc)
        media_id = media_id_of(page)
        meta = {"content_type": CONTENT_TYPES["h5"], "format": "h5", "textbook": doc["_id"]}
        files += await store.put(media_id, page, filename=f"{doc['_id']}.html", metadata=meta)
        pdf, new = await _stored(store, renderer, TEXTBOOK_PDF)
        files += new
        subject = str(doc.get("subject") or "教材")
        if subject not in subjects:
            subjects.append(subject)
        picture, new = await _stored(
            store, renderer, cover(subject, "人教版数字教材", subjects.index(subject))
        )
        files += new
        changed = await textbooks.update_one(
            {"_id": doc["_id"], "read_url": query["media.url"]},
            {
                "$set": {
                    "read_url": settings.media_url(media_id),
                    "download_url": _url(settings, pdf),
                    "cover_url": _url(settings, picture),
                }
            },
        )
        done += changed.modified_count
    return files, done


async def _courses(
    tdb: Any, store: MediaStore, renderer: Renderer, settings: MediaSettings, query: Doc
) -> tuple[int, int]:
    """Every open-school lesson's video (one for all) and each program's cover."""
    files = done = 0
    courses = tdb["courses"]
    programs: list[str] = []
    async for doc in courses.find({"cover_url": query["media.url"]}):
        video, new = await _stored(store, renderer, COURSE_VIDEO)
        files += new
        program = str(doc.get("program") or "开放学堂")
        if program not in programs:
            programs.append(program)
        picture, new = await _stored(
            store, renderer, cover(program, "开放学堂", programs.index(program) + 2)
        )
        files += new
        lessons = []
        for lesson in doc.get("lessons") or []:
            media = dict(lesson.get("media") or {})
            if str(media.get("url", "")).startswith(f"{MEDIA_BASE}/"):
                media.update(
                    url=_url(settings, video),
                    duration_s=video["duration_s"],
                    size_bytes=video["size_bytes"],
                )
            lessons.append({**lesson, "media": media})
        changed = await courses.update_one(
            {"_id": doc["_id"], "cover_url": query["media.url"]},
            {"$set": {"cover_url": _url(settings, picture), "lessons": lessons}},
        )
        done += changed.modified_count
    return files, done
