"""Schools and teachers for the demo content (real Tianjin school names, invented teachers)."""

from __future__ import annotations

import random
from dataclasses import dataclass

# (tenant, school name, kind): kind 小学 covers grades 1-6, 中学 grades 7-12.
SCHOOLS: list[tuple[str, str, str]] = [
    ("heping", "天津市耀华中学", "中学"),
    ("heping", "天津市第一中学", "中学"),
    ("heping", "天津市第二十中学", "中学"),
    ("heping", "天津市汇文中学", "中学"),
    ("heping", "天津市第二十一中学", "中学"),
    ("heping", "和平区实验中学", "中学"),
    ("heping", "天津市实验小学", "小学"),
    ("heping", "天津市和平区中心小学", "小学"),
    ("heping", "天津市万全小学", "小学"),
    ("heping", "天津市岳阳道小学", "小学"),
    ("heping", "天津市昆明路小学", "小学"),
    ("heping", "和平区第一中心小学", "小学"),
    ("hexi", "天津市实验中学", "中学"),
    ("hexi", "天津市新华中学", "中学"),
    ("hexi", "天津市第四十二中学", "中学"),
    ("hexi", "天津外国语大学附属外国语学校", "中学"),
    ("hexi", "河西区第一中学", "中学"),
    ("hexi", "天津市梧桐小学", "小学"),
    ("hexi", "河西区上海道小学", "小学"),
    ("hexi", "河西区闽侯路小学", "小学"),
    ("hexi", "河西区实验小学", "小学"),
    ("nankai", "天津市南开中学", "中学"),
    ("nankai", "天津市第二南开学校", "中学"),
    ("nankai", "天津中学", "中学"),
    ("nankai", "南开大学附属中学", "中学"),
    ("nankai", "南开区中营小学", "小学"),
    ("nankai", "南开区五马路小学", "小学"),
    ("hebei", "天津市第二中学", "中学"),
    ("hebei", "天津市第十四中学", "中学"),
    ("hebei", "河北区实验小学", "小学"),
    ("hedong", "天津市第一〇二中学", "中学"),
    ("hedong", "天津市第四十五中学", "中学"),
    ("hedong", "河东区第一中心小学", "小学"),
    ("hongqiao", "天津市第三中学", "中学"),
    ("hongqiao", "红桥区实验小学", "小学"),
    ("binhai", "天津市塘沽第一中学", "中学"),
    ("binhai", "天津经济技术开发区第一中学", "中学"),
    ("binhai", "滨海新区塘沽实验小学", "小学"),
    ("wuqing", "天津市杨村第一中学", "中学"),
    ("baodi", "天津市宝坻区第一中学", "中学"),
    ("jinghai", "天津市静海区第一中学", "中学"),
    ("jizhou", "天津市蓟州区第一中学", "中学"),
    ("xiqing", "天津市杨柳青第一中学", "中学"),
    ("jinnan", "天津市咸水沽第一中学", "中学"),
    ("beichen", "天津市第四十七中学", "中学"),
    ("ninghe", "天津市芦台第一中学", "中学"),
    ("dongli", "天津市第一百中学", "中学"),
    ("wuqing", "武清区实验小学", "小学"),
]

_SURNAMES = (
    "王王王李李李张张张刘刘陈陈杨杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许"
    "傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江"
    "史顾侯邵孟龙万段钱汤尹黎易常武乔贺赖龚文"
)
_GIVEN = [
    "丽",
    "洋",
    "静",
    "娜",
    "晨",
    "帆",
    "敏",
    "婷",
    "磊",
    "红",
    "畅",
    "峰",
    "琳",
    "明",
    "佳",
    "雪",
    "亮",
    "娟",
    "颖",
    "艳",
    "涛",
    "宁",
    "军",
    "燕",
    "伟",
    "欣",
    "慧",
    "璐",
    "鹏",
    "霞",
    "春梅",
    "立新",
    "海燕",
    "晓东",
    "文静",
    "玉兰",
    "志刚",
    "秀英",
    "淑敏",
    "晓明",
    "雅琴",
    "红梅",
    "桂芳",
    "卫东",
    "建军",
    "丽华",
    "晓燕",
    "俊杰",
    "思远",
    "雨桐",
    "子涵",
    "国华",
    "玉霞",
    "金凤",
    "海涛",
    "振宇",
    "文博",
    "晓丽",
    "明辉",
    "彦",
    "博",
    "昕",
    "蕾",
    "莹",
    "超",
    "斌",
    "楠",
    "瑶",
    "倩",
    "薇",
]


@dataclass(frozen=True, slots=True)
class Teacher:
    name: str
    school: str
    tenant: str


def teacher_name(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + rng.choice(_GIVEN)


class Teachers:
    """A stable pool of teachers per (tenant or None for anywhere, stage kind, subject), so
    the same teacher turns up across several recordings, as on the real platform."""

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(seed)
        self._pools: dict[tuple[str | None, str, str], list[Teacher]] = {}

    def pick(self, stage: str, subject: str, tenant: str | None = None) -> Teacher:
        kind = "小学" if stage == "小学" else "中学"
        key = (tenant, kind, subject)
        pool = self._pools.get(key)
        if pool is None:
            schools = [(t, n) for t, n, k in SCHOOLS if k == kind and tenant in (None, t)]
            size = 10 if tenant is None else 4
            pool = []
            for _ in range(size):
                t, school = self._rng.choice(schools)
                pool.append(Teacher(teacher_name(self._rng), school, t))
            self._pools[key] = pool
        return self._rng.choice(pool)
