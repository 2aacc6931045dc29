"""毕业年级复习专题课 on 天津有线电视: two weeks of broadcasts for grades 9 and 12, and the
replay recording of every slot.

The replay recordings are ordinary `recording` resources (tagged 复习专题) with the first ids,
res-00001 onwards; `resources()` includes them, so seeding resources() seeds them too.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from xbt_catalog.demo._base import MEDIA_BASE, SEMESTER_START, Doc, city_provider, skewed_views
from xbt_catalog.demo._people import Teachers

TV_DAYS = 14
WEEKDAYS_CN = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")

# grade -> (channel, channel number on 天津有线 digital TV, exam name)
CHANNELS: dict[int, tuple[str, int, str]] = {
    9: ("天津教育频道", 105, "中考"),
    12: ("天津科教频道", 107, "高考"),
}

# Beijing-time slots on weekdays and on weekends.
_WEEKDAY_TIMES = {
    9: [
        ("08:30", "09:10"),
        ("09:20", "10:00"),
        ("10:10", "10:50"),
        ("14:00", "14:40"),
        ("14:50", "15:30"),
        ("15:40", "16:20"),
    ],
    12: [
        ("08:00", "08:40"),
        ("08:50", "09:30"),
        ("09:40", "10:20"),
        ("13:30", "14:10"),
        ("14:20", "15:00"),
        ("15:10", "15:50"),
    ],
}
_WEEKEND_TIMES = [("09:00", "09:40"), ("10:00", "10:40")]

_TOPICS: dict[tuple[int, str], list[str]] = {
    (9, "语文"): [
        "字音字形与词语运用",
        "病句辨析与修改",
        "古诗词默写与鉴赏",
        "文言文阅读：实词与虚词",
        "文言文阅读：句子翻译",
        "记叙文阅读：概括与赏析",
        "说明文阅读",
        "议论文阅读",
        "名著阅读：《朝花夕拾》《西游记》",
        "名著阅读：《骆驼祥子》《红星照耀中国》",
        "材料作文审题立意",
        "记叙文写作：细节描写",
    ],
    (9, "数学"): [
        "实数与代数式",
        "整式与因式分解",
        "方程（组）与不等式（组）",
        "一次函数与反比例函数",
        "二次函数的图象与性质",
        "二次函数综合",
        "三角形与全等",
        "特殊四边形",
        "圆的综合",
        "相似与锐角三角函数",
        "统计与概率",
        "几何变换与动点问题",
    ],
    (9, "英语"): [
        "名词与代词",
        "动词时态",
        "被动语态",
        "宾语从句",
        "定语从句",
        "状语从句",
        "完形填空解题策略",
        "阅读理解：细节理解",
        "阅读理解：推理判断",
        "任务型阅读",
        "书面表达：话题作文",
        "听力技巧",
    ],
    (9, "物理"): [
        "声现象与光现象",
        "透镜成像规律",
        "物态变化",
        "运动和力",
        "压强与浮力",
        "功和机械能",
        "简单机械与机械效率",
        "内能与热机",
        "电路与欧姆定律",
        "电功率与生活用电",
    ],
    (9, "化学"): [
        "物质的变化和性质",
        "空气和氧气",
        "物质构成的奥秘",
        "化学用语",
        "质量守恒定律",
        "碳和碳的氧化物",
        "金属和金属材料",
        "溶液与溶解度",
        "酸和碱",
        "盐和化肥",
        "实验探究题",
        "化学计算",
    ],
    (9, "道德与法治"): [
        "成长的节拍与生命的思考",
        "遵守社会规则",
        "宪法与公民的权利义务",
        "富强与创新",
        "世界舞台上的中国",
    ],
    (9, "历史"): ["中国古代史", "中国近代史", "中国现代史", "世界古代史与近代史", "世界现代史"],
    (12, "语文"): [
        "论述类文本阅读",
        "实用类文本阅读",
        "文学类文本阅读：小说",
        "文学类文本阅读：散文",
        "文言文阅读",
        "古代诗歌鉴赏",
        "名句名篇默写",
        "语言文字运用：成语与病句",
        "语言文字运用：连贯与补写",
        "作文：任务驱动型材料作文",
        "作文：议论文的结构与论证",
        "整本书阅读：《乡土中国》",
    ],
    (12, "数学"): [
        "集合与常用逻辑用语",
        "函数的概念与性质",
        "导数的综合应用",
        "三角函数与解三角形",
        "平面向量",
        "数列求和",
        "立体几何：空间角",
        "直线与圆",
        "圆锥曲线综合",
        "概率与统计",
        "计数原理与二项式定理",
        "不等式与最值问题",
    ],
    (12, "英语"): [
        "阅读理解：主旨大意",
        "阅读理解：推理判断",
        "七选五",
        "完形填空",
        "语法填空",
        "短文改错",
        "书面表达：应用文写作",
        "读后续写",
        "非谓语动词",
        "定语从句与名词性从句",
        "听力：信息捕捉",
        "高频词汇与短语",
    ],
    (12, "物理"): [
        "直线运动与相互作用",
        "牛顿运动定律",
        "曲线运动与万有引力",
        "机械能守恒",
        "静电场",
        "恒定电流",
        "磁场与电磁感应",
    ],
    (12, "化学"): [
        "物质的量",
        "离子反应与氧化还原反应",
        "元素周期律",
        "化学反应速率与化学平衡",
        "电化学",
    ],
    (12, "生物"): ["细胞的结构与功能", "细胞代谢", "遗传规律", "稳态与调节", "生态系统"],
    (12, "思想政治"): ["经济生活", "政治生活", "文化生活", "生活与哲学", "时政热点"],
    (12, "历史"): [
        "中国古代政治与经济",
        "中国近现代史",
        "世界近现代史",
        "史料实证题",
        "历史小论文",
    ],
    (12, "地理"): ["地球运动", "大气与气候", "地表形态的塑造", "人文地理综合", "区域可持续发展"],
}


@dataclass(frozen=True, slots=True)
class Slot:
    id: str
    date: str
    weekday: str
    grade: int
    n: int
    start: str
    end: str
    subject: str
    title: str
    replay_id: str
    starts_at: datetime
    ends_at: datetime


def _subjects(grade: int, day: int, weekend: bool) -> list[str]:
    if weekend:
        saturday = day % 7 == 5
        if grade == 9:
            return ["数学", "英语"] if saturday else ["语文", "化学"]
        return ["数学", "物理"] if saturday else ["语文", "英语"]
    if grade == 9:
        return ["语文", "数学", "英语", "物理", "化学", "道德与法治" if day % 2 == 0 else "历史"]
    electives = ["物理", "化学", "生物"] if day % 2 == 0 else ["思想政治", "历史", "地理"]
    return ["语文", "数学", "英语", *electives]


def _at(day: datetime, hhmm: str) -> datetime:
    hours, minutes = map(int, hhmm.split(":"))
    # Schedule times are Beijing time (UTC+8); stored datetimes are UTC.
    return day + timedelta(hours=hours - 8, minutes=minutes)


def slots() -> list[Slot]:
    out: list[Slot] = []
    used: dict[tuple[int, str], int] = {}
    for day_n in range(TV_DAYS):
        day = SEMESTER_START + timedelta(days=day_n)
        weekend = day.weekday() >= 5
        for grade in (9, 12):
            exam = CHANNELS[grade][2]
            times = _WEEKEND_TIMES if weekend else _WEEKDAY_TIMES[grade]
            for n, (subject, (start, end)) in enumerate(
                zip(
                    _subjects(grade, day.weekday() if weekend else day_n, weekend),
                    times,
                    strict=True,
                ),
                1,
            ):
                k = used.get((grade, subject), 0)
                used[(grade, subject)] = k + 1
                topic = _TOPICS[(grade, subject)][k % len(_TOPICS[(grade, subject)])]
                date = day.date().isoformat()
                out.append(
                    Slot(
                        id=f"tv-{date}-{grade}-{n}",
                        date=date,
                        weekday=WEEKDAYS_CN[day.weekday()],
                        grade=grade,
                        n=n,
                        start=start,
                        end=end,
                        subject=subject,
                        title=f"{exam}{subject}复习专题：{topic}",
                        replay_id=f"res-{len(out) + 1:05d}",
                        starts_at=_at(day, start),
                        ends_at=_at(day, end),
                    )
                )
    return out


def tv_schedule() -> list[Doc]:
    docs: list[Doc] = []
    for s in slots():
        channel, channel_no, _ = CHANNELS[s.grade]
        docs.append(
            {
                "_id": s.id,
                "date": s.date,
                "weekday": s.weekday,
                "channel": channel,
                "channel_no": channel_no,
                "start": s.start,
                "end": s.end,
                "starts_at": s.starts_at,
                "ends_at": s.ends_at,
                "grade": s.grade,
                "stage": "初中" if s.grade == 9 else "高中",
                "subject": s.subject,
                "title": s.title,
                "replay_resource_id": s.replay_id,
                "created_at": SEMESTER_START - timedelta(days=3),
                "updated_at": SEMESTER_START - timedelta(days=3),
            }
        )
    return docs


def replay_resources(teachers: Teachers, rng: random.Random) -> list[Doc]:
    """The recording behind each broadcast, published when the broadcast ends."""
    docs: list[Doc] = []
    for s in slots():
        channel, channel_no, exam = CHANNELS[s.grade]
        stage = "初中" if s.grade == 9 else "高中"
        teacher = teachers.pick(stage, s.subject)
        duration = 40 * 60 + rng.randrange(-90, 30)
        docs.append(
            {
                "_id": s.replay_id,
                "kind": "recording",
                "title": f"{s.title}（电视课堂回放）",
                "description": (
                    f"天津市教育科学研究院组织{s.subject}学科名师录制的{exam}复习专题课，"
                    f"{s.date}（{s.weekday}）{s.start} "
                    f"在天津有线电视{channel}（{channel_no}频道）首播。"
                    f"主讲：{teacher.school} {teacher.name}。"
                ),
                "subject": s.subject,
                "stage": stage,
                "grades": [s.grade],
                "textbook_node_ids": [],
                "media": {
                    "url": f"{MEDIA_BASE}/tv/{s.id}.mp4",
                    "duration_s": duration,
                    "size_bytes": duration * rng.randrange(150_000, 250_000),
                    "format": "mp4",
                },
                "provider": city_provider("天津市教育科学研究院"),
                "teacher": {"name": teacher.name, "school": teacher.school},
                "tags": ["复习专题", "毕业年级", f"{exam}复习", "天津有线电视", s.subject],
                "guest_visible": True,
                "status": "published",
                "category": None,
                "enrichment_kind": None,
                "tv_slot_id": s.id,
                "published_at": s.ends_at,
                "views": skewed_views(rng, 6.0),
                "created_by": "u-city-admin1",
                "created_at": s.starts_at - timedelta(days=5),
                "updated_at": s.ends_at,
            }
        )
    return docs
