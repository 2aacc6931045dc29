"""开放学堂: 空中课堂 (high-school electives) and 博学乐园 (primary-school calligraphy)."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from xbt_catalog.demo._base import MEDIA_BASE, Doc, city_provider, spread, stamps

PROGRAMS = ("空中课堂", "博学乐园")
# 博学乐园 courses are grouped by an open-school category rather than a school subject.
OPEN_SCHOOL_CATEGORIES = ("书法",)

# The seed's counts: 160 硬笔 + 毛笔 lessons for grades 1-5, 89 videos of 《汉字楷书结构84法》,
# 200 lectures of 《田蕴章书法讲座》.
CALLIGRAPHY_LESSONS = 160
KAISHU_84_VIDEOS = 89
TIAN_YUNZHANG_LECTURES = 200

# (slug, title, subject, lessons)
_SKY_COURSES: list[tuple[str, str, str, str]] = [
    (
        "tianwenxue",
        "天文学漫谈",
        "物理",
        "仰望星空：天文学的起源 / 四季星空与星座 / 太阳：我们的恒星 / 月球与月相 / "
        "太阳系的行星家族 / "
        "彗星、流星与小行星 / 恒星的一生 / 黑洞与中子星 / 银河系与河外星系 / 宇宙大爆炸 / "
        "寻找地外生命 / 中国航天与深空探测",
    ),
    (
        "gudai-shici",
        "中国古代诗词鉴赏",
        "语文",
        "《诗经》：风雅颂的源头 / 楚辞与屈原 / 汉乐府与《古诗十九首》 / 建安风骨 / "
        "陶渊明的田园诗 / "
        "初唐四杰与陈子昂 / 盛唐边塞诗 / 王维与山水田园诗 / 诗仙李白 / 诗圣杜甫 / "
        "白居易与新乐府运动 / 李商隐与晚唐诗 / 婉约词：柳永与李清照 / 豪放词：苏轼与辛弃疾 / "
        "宋诗的理趣 / 元曲与诗词的余韵",
    ),
    (
        "rengongzhineng",
        "人工智能初步",
        "信息技术",
        "什么是人工智能 / 人工智能发展简史 / 搜索与博弈 / 知识表示与推理 / 机器学习初探 / "
        "神经网络与深度学习 / 图像识别体验 / 语音识别与自然语言处理 / 智能机器人 / "
        "人工智能的伦理与未来",
    ),
    (
        "quwei-huaxue",
        "趣味化学实验",
        "化学",
        "实验室安全与基本操作 / 会变色的溶液：酸碱指示剂 / 自制“大象牙膏” / 焰色反应与烟花 / "
        "铜树与银镜 / 水果电池 / 从茶叶中提取咖啡因 / 厨房里的化学",
    ),
    (
        "shuxue-jianmo",
        "数学建模入门",
        "数学",
        "什么是数学建模 / 数学建模的一般步骤 / 函数模型：手机流量套餐的选择 / "
        "线性规划：最优生产方案 / "
        "数列模型：贷款与还款 / 统计模型：身高与体重 / 概率模型：抽奖公平吗 / 几何模型：最短路径 / "
        "微分思想：人口增长模型 / 图论初步：七桥问题 / 优化模型：物流配送 / 撰写建模报告",
    ),
    (
        "yingyu-yingshi",
        "英语影视赏析",
        "英语",
        "如何通过电影学英语 / Zootopia《疯狂动物城》 / Coco《寻梦环游记》 / "
        "Forrest Gump《阿甘正传》 / "
        "The Sound of Music《音乐之声》 / The Lion King《狮子王》 / Wonder《奇迹男孩》 / "
        "Harry Potter《哈利·波特与魔法石》 / Up《飞屋环游记》 / Writing a Film Review 影评写作",
    ),
    (
        "jinxiandai-shi",
        "中国近现代史专题",
        "历史",
        "鸦片战争与近代中国的开端 / 太平天国与洋务运动 / 甲午战争与戊戌变法 / 辛亥革命 / "
        "新文化运动与五四运动 / 中国共产党的诞生 / 国民革命与土地革命 / 红军长征 / 全民族抗战 / "
        "人民解放战争 / 新中国的成立 / 改革开放与现代化建设",
    ),
    (
        "wulixue-shihua",
        "物理学史话",
        "物理",
        "从亚里士多德到伽利略 / 牛顿与经典力学 / 热学与能量守恒 / 电与磁的统一：法拉第与麦克斯韦 / "
        "光的本性之争 / 爱因斯坦与相对论 / 量子力学的诞生 / 中国科学家的贡献",
    ),
    (
        "shengming-kexue",
        "生命科学前沿",
        "生物",
        "基因与基因组 / 基因编辑技术 / 干细胞与再生医学 / 疫苗是怎样研制的 / 病毒与传染病防控 / "
        "脑科学初探 / 合成生物学 / 生物技术与伦理",
    ),
    (
        "chuangyi-xiezuo",
        "创意写作",
        "语文",
        "写作从观察开始 / 细节的力量 / 人物的塑造 / 情节与冲突 / 视角与叙述 / 场景与氛围 / "
        "对话的艺术 / 诗歌创作入门 / 微小说写作 / 修改与打磨",
    ),
    (
        "jingji-changshi",
        "经济生活常识",
        "思想政治",
        "货币与理财 / 价格与供求 / 消费心理与理性消费 / 企业与劳动者 / 个人所得税 / 银行与信用 / "
        "保险常识 / 互联网经济",
    ),
]

_SKY_BLURB = {
    "物理": "从生活现象出发，带领同学们走进物理世界的奥秘。",
    "语文": "在经典文本中涵养语感、提升审美与思辨能力。",
    "信息技术": "结合体验活动理解人工智能的基本原理与应用。",
    "化学": "用安全、有趣的实验认识物质及其变化。",
    "数学": "用数学的眼光观察现实世界，用数学的语言表达现实世界。",
    "英语": "在原声影视作品中学习地道表达，了解多元文化。",
    "历史": "梳理中国近现代史的基本脉络，增强家国情怀。",
    "生物": "了解生命科学的最新进展，思考科技与社会的关系。",
    "思想政治": "用经济学常识理解身边的经济现象，学会理性消费与理财。",
}

# (slug, title, grades, lessons): 硬笔 grades 1-5 and 毛笔 grades 3-5, 20 lessons each.
_CALLIGRAPHY: list[tuple[str, str, int, str]] = [
    (
        "yingbi-g1",
        "硬笔书法 一年级",
        1,
        "写字姿势与执笔方法 / 基本笔画：横 / 基本笔画：竖 / 基本笔画：撇 / 基本笔画：点 / "
        "基本笔画：捺 / "
        "基本笔画：提 / 横折 / 横撇 / 竖钩 / 竖提 / 横折钩 / 弯钩 / 竖弯钩 / 卧钩 / 斜钩 / "
        "独体字的书写（一） / 独体字的书写（二） / 笔顺规则 / 作品欣赏与练习",
    ),
    (
        "yingbi-g2",
        "硬笔书法 二年级",
        2,
        "偏旁部首：单人旁 / 双人旁 / 木字旁 / 提手旁 / 三点水 / 言字旁 / 绞丝旁 / 口字旁 / "
        "日字旁 / "
        "女字旁 / 宝盖头 / 草字头 / 竹字头 / 雨字头 / 走之底 / 心字底 / 四点底 / 门字框 / "
        "国字框 / 综合练习",
    ),
    (
        "yingbi-g3",
        "硬笔书法 三年级",
        3,
        "左右结构：左窄右宽 / 左右结构：左宽右窄 / 左右结构：左右相等 / 上下结构：上窄下宽 / "
        "上下结构：上宽下窄 / 上下结构：上下相等 / 左中右结构 / 上中下结构 / 半包围结构：左上包 / "
        "半包围结构：右上包 / 半包围结构：左下包 / 三面包围：上三包 / 三面包围：下三包 / "
        "三面包围：左三包 / 全包围结构 / 品字形结构 / 字的重心 / 字的大小 / 从田字格到横线格 / "
        "书写一首古诗",
    ),
    (
        "yingbi-g4",
        "硬笔书法 四年级",
        4,
        "行楷的特点 / 行楷笔画：点的连写 / 行楷笔画：横竖的变化 / 行楷笔画：撇捺的呼应 / "
        "行楷笔画：钩的简化 / 行楷偏旁（一） / 行楷偏旁（二） / 行楷偏旁（三） / "
        "行楷结构：收与放 / "
        "行楷结构：疏与密 / 行楷结构：揖让 / 行楷结构：穿插 / 连笔与笔顺 / 词语书写 / 句子书写 / "
        "行距与字距 / 作品格式：条幅 / 作品格式：斗方 / 书写名言警句 / 作品创作",
    ),
    (
        "yingbi-g5",
        "硬笔书法 五年级",
        5,
        "硬笔书法作品的形式 / 楷书名帖临写（一） / 楷书名帖临写（二） / 行书名帖临写（一） / "
        "行书名帖临写（二） / 书信格式的书写 / 日记的书写 / 书写速度训练 / 美观与速度兼顾 / "
        "作品：对联 / "
        "作品：扇面 / 作品：册页 / 诗词书写（一） / 诗词书写（二） / 诗词书写（三） / "
        "书法家的故事：王羲之 / 书法家的故事：颜真卿 / 书法家的故事：柳公权 / 作品修改与完善 / "
        "作品展示与评价",
    ),
    (
        "maobi-g3",
        "毛笔书法 三年级",
        3,
        "认识文房四宝 / 执笔与坐姿 / 笔法：中锋与侧锋 / 长横 / 短横 / 垂露竖 / 悬针竖 / 斜撇 / "
        "竖撇 / "
        "短撇 / 斜捺 / 平捺 / 侧点 / 竖点 / 挑点 / 提 / 横折 / 竖钩 / 横钩 / 笔画单元复习",
    ),
    (
        "maobi-g4",
        "毛笔书法 四年级",
        4,
        "单人旁 / 双人旁 / 三点水 / 提手旁 / 木字旁 / 言字旁 / 口字旁 / 宝盖头 / 草字头 / 竹字头 / "
        "心字底 / 走之底 / 国字框 / 门字框 / 竖心旁 / 金字旁 / 绞丝旁 / 禾木旁 / 日字旁 / "
        "偏旁单元复习",
    ),
    (
        "maobi-g5",
        "毛笔书法 五年级",
        5,
        "独体字 / 左右结构 / 上下结构 / 左中右结构 / 上中下结构 / 半包围结构 / 全包围结构 / "
        "临帖：颜真卿《多宝塔碑》 / 临帖：柳公权《玄秘塔碑》 / 临帖：欧阳询《九成宫醴泉铭》 / "
        "集字练习（一） / 集字练习（二） / 作品格式：斗方 / 作品格式：条幅 / 作品格式：对联 / "
        "落款与钤印 / 书写春联 / 书写古诗 / 名作欣赏：王羲之《兰亭序》 / 作品展示",
    ),
]

_84_METHODS = [
    "天覆",
    "地载",
    "让左",
    "让右",
    "分疆",
    "三匀",
    "二段匀",
    "上占地步",
    "下占地步",
    "左占地步",
    "右占地步",
    "中占地步",
    "左右占地步",
    "上下占地步",
    "横勒",
    "悬针",
    "垂露",
    "排叠",
    "避就",
    "顶戴",
    "穿插",
    "向背",
    "偏侧",
    "挑㧒",
    "相让",
    "补空",
    "覆盖",
    "贴零",
    "粘合",
    "捷速",
    "满不要虚",
    "意连",
    "覆冒",
    "垂曳",
    "借换",
    "增减",
    "应副",
    "撑拄",
    "朝揖",
    "救应",
    "附丽",
    "回抱",
    "包裹",
    "却好",
    "小成大",
    "小大成形",
    "小大大小",
    "左小右大",
    "左高右低",
    "左短右长",
    "褊",
    "各自成形",
    "相管领",
    "应接",
    "横画等距",
    "竖画等距",
    "主笔突出",
    "重心平稳",
    "撇捺舒展",
    "上紧下松",
    "左紧右松",
    "中宫收紧",
    "外紧内松",
    "左窄右宽",
    "左宽右窄",
    "左右相等",
    "上窄下宽",
    "上宽下窄",
    "上下相等",
    "左中右均分",
    "上中下均分",
    "左上包围",
    "右上包围",
    "左下包围",
    "上三包围",
    "下三包围",
    "左三包围",
    "全包围",
    "品字形",
    "左右对称",
    "点画呼应",
    "同形变化",
    "疏密得宜",
    "参差错落",
]

_TIAN_TOPICS = [
    "书法的起源",
    "执笔法",
    "运腕与运指",
    "中锋用笔",
    "逆锋起笔",
    "藏锋与露锋",
    "提按与顿挫",
    "笔势",
    "笔意",
    "永字八法",
    "结字",
    "章法",
    "墨法",
    "临帖与读帖",
    "入帖与出帖",
    "楷书源流",
    "颜体楷书",
    "柳体楷书",
    "欧体楷书",
    "赵体楷书",
    "魏碑",
    "隶书",
    "篆书",
    "行书",
    "草书",
    "王羲之",
    "王献之",
    "颜真卿",
    "柳公权",
    "欧阳询",
    "苏轼",
    "黄庭坚",
    "米芾",
    "赵孟頫",
    "文房四宝",
    "印章与落款",
    "对联书写",
    "书法与修养",
    "书法鉴赏",
    "工具的选用",
]
_TIAN_CHARS = (
    "永天地人日月山水火木金土上下左右中大小多少来去出入春夏秋冬风雨雪云花草树林江河湖海东南西北"
    "前后高低长短方圆文字书画诗词歌赋龙凤虎马牛羊鸟鱼虫家国心手足口目耳言行思学问道德仁义礼智信"
    "忠孝和美善真光明正直清静安乐福寿康宁千万百年古今生成开始终发现知识力量志向远近新旧友爱敬"
    "勤俭勇毅观望听说读写看走飞流动星辰宇宙石玉竹松梅兰菊茶酒琴棋笔墨纸砚经史子集名利荣华富贵"
    "忍让谦恭宽厚温良恒久守雅韵峰岭泉溪桥舟帆灯影忆"
)


def _media(rng: random.Random, course_id: str, n: int, lo: int, hi: int) -> Doc:
    return {
        "url": f"{MEDIA_BASE}/courses/{course_id}/{n:03d}.mp4",
        "duration_s": rng.randrange(lo, hi),
        "format": "mp4",
    }


def _course(
    rng: random.Random,
    *,
    course_id: str,
    program: str,
    title: str,
    description: str,
    subject_or_category: str,
    grades: list[int],
    lessons: list[str],
    duration: tuple[int, int],
    teacher: Doc | None = None,
) -> Doc:
    published = spread(rng, datetime(2019, 10, 1, tzinfo=UTC), datetime(2020, 2, 10, tzinfo=UTC))
    created, updated = stamps(published, rng)
    return {
        "_id": course_id,
        "program": program,
        "title": title,
        "description": description,
        "subject_or_category": subject_or_category,
        "grades": grades,
        "teacher": teacher,
        "cover_url": f"{MEDIA_BASE}/courses/{course_id}/cover.jpg",
        "provider": city_provider(
            "天津市教育科学研究院" if program == "空中课堂" else "天津市电化教育馆"
        ),
        # The open school runs on public accounts, so every course is open to guests.
        "guest_visible": True,
        "status": "published",
        "lessons": [
            {
                "id": f"{course_id}.l{n}",
                "index": n,
                "title": lesson,
                "media": _media(rng, course_id, n, *duration),
            }
            for n, lesson in enumerate(lessons, 1)
        ],
        "published_at": published,
        "created_at": created,
        "updated_at": updated,
    }


def courses() -> list[Doc]:
    """空中课堂 electives for grades 10-12, then the 博学乐园 calligraphy courses."""
    rng = random.Random(20200301)
    docs: list[Doc] = []
    for slug, title, subject, lessons in _SKY_COURSES:
        names = lessons.split(" / ")
        docs.append(
            _course(
                rng,
                course_id=f"course-{slug}",
                program="空中课堂",
                title=title,
                description=(
                    f"天津市普通高中网络选修课程。{_SKY_BLURB[subject]}共{len(names)}讲，"
                    "可在学习中心随时点播。"
                ),
                subject_or_category=subject,
                grades=[10, 11, 12],
                lessons=[f"第{n}讲 {name}" for n, name in enumerate(names, 1)],
                duration=(1800, 2700),
            )
        )
    for slug, title, grade, lessons in _CALLIGRAPHY:
        names = lessons.split(" / ")
        pen = title.startswith("硬笔")
        docs.append(
            _course(
                rng,
                course_id=f"course-{slug}",
                program="博学乐园",
                title=title,
                description=(
                    f"博学乐园小学网络书法课程，{title}，共{len(names)}课时。"
                    + (
                        "从坐姿、执笔到笔画、结构，循序渐进练好规范字。"
                        if pen
                        else "认识文房四宝，学习毛笔楷书的笔画、偏旁与结构。"
                    )
                ),
                subject_or_category="书法",
                grades=[grade],
                lessons=[f"第{n}课 {name}" for n, name in enumerate(names, 1)],
                duration=(600, 1200),
            )
        )
    kaishu: list[str] = ["导论：楷书结构的一般规律"]
    for n, method in enumerate(_84_METHODS, 1):
        kaishu.append(f"第{n}法 {method}")
        if n % 21 == 0:
            kaishu.append(f"阶段小结（{n - 20}-{n}法）")
    docs.append(
        _course(
            rng,
            course_id="course-kaishu-84fa",
            program="博学乐园",
            title="汉字楷书结构84法",
            description="逐一讲解楷书结字的84种方法，配合例字示范书写，适合有一定基础的小学生进阶学习。",
            subject_or_category="书法",
            grades=[3, 4, 5],
            lessons=kaishu,
            duration=(300, 600),
        )
    )
    topics = [_TIAN_TOPICS[n % len(_TIAN_TOPICS)] for n in range(TIAN_YUNZHANG_LECTURES)]
    tian = [
        f"第{n}讲 每日一题：{topic}；每日一字：{char}"
        for n, (topic, char) in enumerate(zip(topics, _TIAN_CHARS, strict=False), 1)
    ]
    docs.append(
        _course(
            rng,
            course_id="course-tianyunzhang",
            program="博学乐园",
            title="田蕴章书法讲座",
            description="南开大学田蕴章教授“每日一题，每日一字”系列书法讲座，讲书理、析字法，共200讲。",
            subject_or_category="书法",
            grades=[1, 2, 3, 4, 5],
            lessons=tian,
            duration=(480, 900),
            teacher={"name": "田蕴章", "school": "南开大学"},
        )
    )
    return docs
