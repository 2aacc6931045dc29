"""A synthetic catalog: realistic entries and the queries readers type, generated from
subject words, lesson titles and enrichment series, seeded, so every run indexes the same
documents and asks the same questions. `test_synthetic_corpus` checks the engine finds
things in it; `tests/bench/catalog_search_perf.py` times indexing and querying it.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from xbt_catalog.search import SearchDoc

# fmt: off
LESSONS: dict[str, list[str]] = {
    "语文": [
        "古诗三首", "静夜思", "春晓", "咏柳", "草船借箭", "卖火柴的小女孩", "背影", "荷塘月色",
        "出师表", "桃花源记", "岳阳楼记", "醉翁亭记", "孔乙己", "故乡", "从百草园到三味书屋",
        "少年闰土", "观潮", "落花生", "狼牙山五壮士", "小蝌蚪找妈妈", "乌鸦喝水", "司马光",
        "论语十二章", "劝学", "师说", "赤壁赋", "沁园春·长沙", "雨巷", "再别康桥",
    ],
    "数学": [
        "二元一次方程组", "解二元一次方程组", "一元二次方程", "勾股定理", "全等三角形",
        "轴对称", "平行四边形", "一次函数", "反比例函数", "二次函数", "圆的面积", "圆柱与圆锥",
        "分数的加法和减法", "小数乘法", "百分数", "比和比例", "因数与倍数", "三角形的内角和",
        "集合与常用逻辑用语", "函数的概念", "指数函数", "对数函数", "三角函数", "数列",
        "平面向量", "立体几何初步", "概率初步", "统计与概率", "认识图形", "20以内的加法",
    ],
    "英语": [
        "Hello", "My family", "Colours", "At the zoo", "Whose dog is it", "My school",
        "How do you get there", "Unit 1 Teenage life", "Unit 2 Travelling around",
        "现在进行时", "一般过去时", "定语从句", "被动语态", "阅读理解技巧", "英语书面表达",
    ],
    "物理": [
        "光的反射", "光的折射", "平面镜成像", "透镜及其应用", "声音的产生与传播", "机械运动",
        "牛顿第一定律", "压强", "浮力", "功和机械能", "欧姆定律", "电功率", "电磁感应",
        "匀变速直线运动", "曲线运动", "万有引力定律", "动量守恒定律", "静电场",
    ],
    "化学": [
        "物质的变化和性质", "空气", "氧气", "水的组成", "质量守恒定律", "化学方程式",
        "碳和碳的氧化物", "燃料及其利用", "金属材料", "溶液", "酸和碱", "盐 化肥",
        "物质的量", "离子反应", "氧化还原反应", "元素周期表", "化学键", "有机化合物",
    ],
    "生物": [
        "细胞是生命活动的基本单位", "植物的光合作用", "呼吸作用", "人体的消化", "血液循环",
        "遗传与变异", "生态系统", "DNA是主要的遗传物质", "基因的表达", "减数分裂和受精作用",
    ],
    "历史": [
        "秦统一中国", "丝绸之路", "隋唐时期", "宋元时期的都城", "明朝的对外关系",
        "鸦片战争", "辛亥革命", "五四运动", "抗日战争", "中华人民共和国成立",
        "古代埃及", "文艺复兴", "工业革命", "第二次世界大战",
    ],
    "地理": [
        "地球的运动", "地图", "世界的气候", "中国的地形", "中国的河流", "天气与气候",
        "人口与城市", "农业区位", "工业区位", "京津冀协同发展", "天津的地理环境",
    ],
    "道德与法治": [
        "中学时代", "友谊的天空", "走进老师", "生命的思考", "遵守社会规则", "勇担社会责任",
        "维护国家利益", "理解权利义务", "崇尚法治精神", "我们的守护者",
    ],
    "科学": [
        "植物的一生", "动物的一生", "水的三态变化", "空气的性质", "电路", "磁铁", "简单机械",
        "太阳系", "地球的表面", "声音", "光的传播", "物体的沉浮",
    ],
    "思想政治": [
        "中国特色社会主义", "经济与社会", "政治与法治", "哲学与文化", "当代国际政治与经济",
    ],
    "信息技术": [
        "认识计算机", "画图软件", "文字处理", "电子表格", "Python编程入门", "算法与程序设计",
        "Scratch动画制作", "网络与信息安全", "人工智能初步", "数据与计算",
    ],
    "音乐": ["唱歌 小星星", "欣赏 京剧选段", "认识五线谱", "民族乐器", "合唱入门", "打击乐"],
    "美术": ["色彩的魅力", "线条的表现", "剪纸艺术", "中国画入门", "素描基础", "手工制作"],
    "体育与健康": [
        "广播体操", "跳绳", "篮球运球", "足球传球", "立定跳远", "健康饮食", "武术基本功",
    ],
}
VERSIONS = ["人教版", "部编版", "北师大版", "外研版", "苏教版", "沪教版"]
GRADE_NAMES = [
    "一年级", "二年级", "三年级", "四年级", "五年级", "六年级",
    "七年级", "八年级", "九年级", "高一", "高二", "高三",
]
ENRICHMENT: dict[str, list[str]] = {
    "体育": ["跳绳花样教学", "居家健身操", "乒乓球发球", "中国武术 五步拳"],
    "美术": [
        "汉字楷书结构84法 之 上宽下窄", "田蕴章书法讲座 横画的写法", "水墨山水画", "剪纸 窗花",
    ],
    "音乐": ["古筝入门", "葫芦丝演奏", "童声合唱", "民歌欣赏"],
    "舞蹈": ["少儿民族舞", "街舞基础", "芭蕾基本功"],
    "棋类": ["围棋入门 吃子技巧", "国际象棋 开局原则", "中国象棋 残局", "五子棋 必胜法"],
    "摄影": ["手机摄影构图", "光线与曝光", "人像摄影"],
    "曲艺": ["天津快板", "相声基本功 说学逗唱", "京韵大鼓欣赏", "京剧脸谱"],
    "科普": ["走进天文馆", "恐龙的秘密", "垃圾分类", "海洋生物", "火山与地震"],
    "机器人": ["机器人编程 Scratch 入门", "Arduino 传感器", "乐高机器人搭建"],
    "创客": ["3D打印 入门", "激光切割", "开源硬件 Micro:bit"],
}
KIND_WORDS = {
    "recording": "课堂实录", "courseware": "课件", "exercise": "练习",
    "teaching_package": "示范教学包",
}
DESCRIPTION_PARTS = [
    "本节课围绕{topic}展开，", "通过情境导入和小组合作，", "帮助学生理解{topic}的基本概念，",
    "配有随堂练习与答案解析。", "适合{grade}学生课前预习和课后复习。", "由天津市骨干教师主讲，",
    "包含教学设计、课件和微课视频。", "重点突破{topic}中的难点。", "结合生活实例，",
    "培养学生的核心素养。", "可用于居家学习。",
]
# fmt: on


def synthetic_docs(n: int, *, seed: int = 7) -> Iterator[SearchDoc]:
    rnd = random.Random(seed)
    subjects = list(LESSONS)
    categories = list(ENRICHMENT)
    for i in range(n):
        provider = rnd.choices(["city", "district", "school"], weights=[5, 3, 2])[0]
        school = f"school-{rnd.randrange(40)}" if provider == "school" else None
        published = 1_580_000_000 + rnd.randrange(100_000_000)
        views = int(rnd.paretovariate(1.2) * 10)
        if rnd.random() < 0.15:
            category = rnd.choice(categories)
            topic = rnd.choice(ENRICHMENT[category])
            series = rnd.choice(["天津课堂", "名品欣赏", "资源素材"])
            title = f"{series} {topic} 第{rnd.randrange(1, 30)}讲"
            yield SearchDoc(
                id=f"e{i:06d}",
                title=title,
                kind="enrichment",
                provider=provider,
                school=school,
                category=category,
                enrichment_kind=series,
                description="".join(rnd.sample(DESCRIPTION_PARTS, 4)).format(
                    topic=topic, grade="中小学"
                ),
                tags=[category, series, topic.split()[0]],
                published_at=float(published),
                views=views,
                guest_visible=rnd.random() < 0.6,
            )
            continue
        subject = rnd.choice(subjects)
        topic = rnd.choice(LESSONS[subject])
        grade = rnd.randrange(1, 13)
        stage = "小学" if grade <= 6 else "初中" if grade <= 9 else "高中"
        kind = rnd.choice(list(KIND_WORDS))
        version = rnd.choice(VERSIONS)
        grade_name = GRADE_NAMES[grade - 1]
        volume = rnd.choice(["上册", "下册"])
        title = rnd.choice(
            [
                f"{version}{grade_name}{volume} {subject} {topic}",
                f"《{topic}》第{rnd.randrange(1, 4)}课时",
                f"{topic}（{grade_name}{subject}{KIND_WORDS[kind]}）",
                f"一师一优课 {topic}",
                f"{grade_name}{subject}：{topic} {KIND_WORDS[kind]}",
            ]
        )
        yield SearchDoc(
            id=f"r{i:06d}",
            title=title,
            kind=kind,
            provider=provider,
            school=school,
            stage=stage,
            grades=[grade],
            subject=subject,
            description="".join(rnd.sample(DESCRIPTION_PARTS, 5)).format(
                topic=topic, grade=grade_name
            ),
            tags=[subject, grade_name, KIND_WORDS[kind], version],
            published_at=float(published),
            views=views,
            guest_visible=rnd.random() < 0.6,
        )


def query_mix(n: int, *, seed: int = 11) -> list[tuple[str, dict[str, list[str | int]]]]:
    """What readers type: lesson names and their fragments, subject words, a few single
    characters, Latin words and words nobody wrote about; a third with a facet filter."""
    rnd = random.Random(seed)
    lessons = [t for ts in LESSONS.values() for t in ts]
    enrichment = [t for ts in ENRICHMENT.values() for t in ts]
    out: list[tuple[str, dict[str, list[str | int]]]] = []
    for _ in range(n):
        r = rnd.random()
        if r < 0.35:
            q = rnd.choice(lessons)
        elif r < 0.55:
            t = rnd.choice(lessons).replace(" ", "")
            start = rnd.randrange(max(1, len(t) - 1))
            q = t[start : start + rnd.randrange(2, 5)]
        elif r < 0.7:
            q = rnd.choice(enrichment).split()[-1]
        elif r < 0.8:
            q = rnd.choice(list(LESSONS)) + " " + rnd.choice(GRADE_NAMES)
        elif r < 0.85:
            q = rnd.choice(["诗", "棋", "画", "琴", "舞", "光", "电", "水"])
        elif r < 0.9:
            q = rnd.choice(["Scratch", "Python", "DNA", "Arduino", "3D打印", "unit 1"])
        elif r < 0.93:
            q = rnd.choice(lessons) + " " + rnd.choice(["练习", "课件", "课堂实录"])
        elif r < 0.96:  # a word the catalog does not have: relaxed matching
            q = rnd.choice(lessons) + " " + rnd.choice(["微积分", "量子", "编程竞赛"])
        else:
            q = ""
        filters: dict[str, list[str | int]] = {}
        if rnd.random() < 0.35:
            facet = rnd.choice(["stage", "grade", "subject", "kind", "provider"])
            choices: dict[str, list[str | int]] = {
                "stage": ["初中"],
                "grade": [rnd.randrange(1, 13)],
                "subject": [rnd.choice(list(LESSONS))],
                "kind": ["exercise"],
                "provider": ["city"],
            }
            filters[facet] = choices[facet]
        out.append((q, filters))
    return out
