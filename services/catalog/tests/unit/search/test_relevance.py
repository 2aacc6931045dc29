"""Chinese relevance: a hand-written catalog of ~100 resources and what a reader typing a
query should see first.

Each case names the resource that must be the first hit, or, where the query genuinely
fits several resources equally (诗, 棋, 毛笔字, 楷书结构, Scratch), the set the first hits
must come from.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from xbt_catalog.search import SearchDoc, SearchIndex

DAY = 86_400.0
T0 = 1_700_000_000.0


def lesson(
    id: str,
    title: str,
    description: str,
    tags: Sequence[str],
    *,
    subject: str,
    grade: int,
    kind: str = "recording",
    day: int = 0,
    views: int = 0,
) -> SearchDoc:
    stage = "小学" if grade <= 6 else "初中" if grade <= 9 else "高中"
    return SearchDoc(
        id=id, title=title, description=description, tags=list(tags), kind=kind,
        provider="city", stage=stage, grades=[grade], subject=subject,
        published_at=T0 + day * DAY, views=views, guest_visible=True,
    )  # fmt: skip


def enrichment(
    id: str,
    title: str,
    description: str,
    tags: Sequence[str],
    *,
    category: str,
    series: str = "资源素材",
    day: int = 0,
    views: int = 0,
) -> SearchDoc:
    return SearchDoc(
        id=id, title=title, description=description, tags=list(tags), kind="enrichment",
        provider="city", category=category, enrichment_kind=series,
        published_at=T0 + day * DAY, views=views, guest_visible=True,
    )  # fmt: skip


L, E = lesson, enrichment
CATALOG: list[SearchDoc] = [
    # 数学
    L("m01", "《解二元一次方程组》第1课时", "人教版七年级下册第八章，用代入消元法解方程组。",
      ["二元一次方程组", "代入消元法", "七年级"], subject="数学", grade=7, day=1),
    L("m02", "《解二元一次方程组》第2课时", "学习加减消元法，比较两种消元方法的特点。",
      ["二元一次方程组", "加减消元法"], subject="数学", grade=7, day=2),
    L("m03", "二元一次方程组的应用：实际问题", "列方程组解决行程、工程和鸡兔同笼问题。",
      ["应用题", "方程组"], subject="数学", grade=7, kind="teaching_package", day=3),
    L("m04", "一元二次方程的解法 配方法", "通过配方把一元二次方程化为完全平方形式求解。",
      ["一元二次方程", "配方法"], subject="数学", grade=9, day=4),
    L("m05", "勾股定理 第1课时", "探索直角三角形三边的数量关系，了解赵爽弦图。",
      ["勾股定理", "直角三角形"], subject="数学", grade=8, day=5),
    L("m06", "人教版八年级上册 数学 全等三角形", "三角形全等的判定：SSS、SAS、ASA、AAS。",
      ["全等三角形", "几何"], subject="数学", grade=8, kind="courseware", day=6),
    L("m07", "一次函数的图像与性质", "用描点法画一次函数图像，理解k和b的意义。",
      ["一次函数", "函数图像"], subject="数学", grade=8, day=7),
    L("m08", "反比例函数 课后练习", "反比例函数的图像和性质，配套练习二十题。",
      ["反比例函数"], subject="数学", grade=9, kind="exercise", day=8),
    L("m09", "圆的面积（六年级数学）", "把圆转化成近似的长方形，推导圆的面积公式。",
      ["圆", "面积公式"], subject="数学", grade=6, day=9),
    L("m10", "20以内的进位加法", "凑十法计算9加几、8加几。",
      ["凑十法", "加法"], subject="数学", grade=1, day=10),
    L("m11", "分数的初步认识", "认识几分之一，会比较分子是1的分数大小。",
      ["分数"], subject="数学", grade=3, day=11),
    L("m12", "趣味数学 鸡兔同笼", "用列表法、假设法解决鸡兔同笼问题。",
      ["鸡兔同笼", "假设法"], subject="数学", grade=4, day=12),
    L("m13", "高一数学 集合的概念与表示", "集合的含义、元素与集合的关系、列举法和描述法。",
      ["集合"], subject="数学", grade=10, day=13),
    L("m14", "指数函数及其性质", "指数函数的定义、图像和单调性。",
      ["指数函数"], subject="数学", grade=10, day=14),
    L("m15", "三角函数的诱导公式", "利用单位圆推导诱导公式。",
      ["三角函数", "诱导公式"], subject="数学", grade=10, kind="courseware", day=15),
    L("m16", "方程的意义", "认识含有未知数的等式，为学习解方程做准备。",
      ["方程"], subject="数学", grade=5, day=16),
    L("m17", "期中复习 一次方程与方程组", "一元一次方程、二元一次方程组的综合练习。",
      ["复习", "练习"], subject="数学", grade=7, kind="exercise", day=17),
    # 物理
    L("p01", "人教版八年级上册 物理 光的反射", "探究光的反射定律，认识镜面反射和漫反射。",
      ["光现象", "反射定律"], subject="物理", grade=8, day=20),
    L("p02", "光的折射 课堂实录", "光从空气斜射入水中时折射光线向法线偏折。",
      ["光现象", "折射"], subject="物理", grade=8, day=21),
    L("p03", "平面镜成像 实验探究", "用玻璃板代替平面镜探究平面镜成像的特点。",
      ["平面镜", "实验"], subject="物理", grade=8, day=22),
    L("p04", "欧姆定律 练习题", "电流与电压、电阻的关系，串并联电路计算。",
      ["欧姆定律", "电路"], subject="物理", grade=9, kind="exercise", day=23),
    L("p05", "浮力", "阿基米德原理：浸在液体中的物体受到向上的浮力。",
      ["浮力", "压强与浮力"], subject="物理", grade=8, day=24),
    L("p06", "牛顿第一定律", "伽利略斜面实验与惯性，一切物体都有保持原来运动状态的性质。",
      ["惯性", "力与运动"], subject="物理", grade=8, day=25),
    L("p07", "电磁感应 高二物理", "法拉第电磁感应定律和楞次定律。",
      ["电磁感应"], subject="物理", grade=11, day=26),
    # 语文
    L("c01", "一师一优课 古诗三首", "《望天门山》《饮湖上初晴后雨》《望洞庭》，感受祖国山河之美。",
      ["古诗", "李白", "苏轼", "刘禹锡"], subject="语文", grade=3, day=30),
    L("c02", "静夜思", "李白的五言绝句，学习生字，有感情地朗读并背诵。",
      ["李白", "识字"], subject="语文", grade=1, day=31),
    L("c03", "部编版四年级上册 语文 观潮", "钱塘江大潮，学习按顺序描写景物。",
      ["写景"], subject="语文", grade=4, day=32),
    L("c04", "草船借箭", "《三国演义》选段，诸葛亮神机妙算。",
      ["三国演义", "诸葛亮", "名著"], subject="语文", grade=5, day=33),
    L("c05", "背影（朱自清）", "通过父亲的背影表达深沉的父爱。",
      ["朱自清", "散文"], subject="语文", grade=8, day=34),
    L("c06", "岳阳楼记", "范仲淹：先天下之忧而忧，后天下之乐而乐。",
      ["文言文", "范仲淹"], subject="语文", grade=9, day=35),
    L("c07", "沁园春·雪", "毛泽东词作，体会豪迈的气势。",
      ["诗词"], subject="语文", grade=9, day=36),
    L("c08", "唐诗宋词赏析", "精选唐诗宋词名篇，讲解意象与格律。",
      ["唐诗", "宋词"], subject="语文", grade=8, kind="courseware", day=37),
    L("c09", "汉语拼音 a o e", "认读单韵母，学会四声。",
      ["拼音", "识字"], subject="语文", grade=1, day=38),
    L("c10", "作文指导：写一处景物", "按一定顺序写景，学习运用比喻和拟人。",
      ["作文", "写景"], subject="语文", grade=5, day=39),
    L("c11", "论语十二章", "孔子及其弟子的言论，理解学习与修身。",
      ["文言文", "孔子"], subject="语文", grade=7, day=40),
    L("c12", "春（朱自清）", "盼春、绘春、赞春，品味语言。",
      ["朱自清", "散文", "写景"], subject="语文", grade=7, day=41),
    # 英语
    L("e01", "Unit 1 Hello! 三年级英语", "Greetings: hello, hi, goodbye. 学会用英语打招呼。",
      ["问候", "English"], subject="英语", grade=3, day=50),
    L("e02", "外研版七年级 Module 3 My school", "介绍自己的学校：there is / there are。",
      ["school", "there be"], subject="英语", grade=7, day=51),
    L("e03", "英语语法 一般现在时", "第三人称单数的变化规则与练习。",
      ["语法", "时态"], subject="英语", grade=7, kind="exercise", day=52),
    L("e04", "Phonics 自然拼读入门", "字母与发音的对应规律。",
      ["phonics", "拼读"], subject="英语", grade=2, day=53),
    # 化学 生物 历史 地理 道德与法治
    L("h01", "化学方程式的书写", "依据质量守恒定律配平化学方程式。",
      ["化学方程式", "配平"], subject="化学", grade=9, day=60),
    L("h02", "质量守恒定律", "参加化学反应的各物质质量总和等于生成物的质量总和。",
      ["质量守恒"], subject="化学", grade=9, day=61),
    L("h03", "酸和碱的中和反应", "酸与碱作用生成盐和水，用pH试纸测定溶液酸碱度。",
      ["中和反应", "pH"], subject="化学", grade=9, day=62),
    L("b01", "植物的光合作用", "绿色植物利用光能把二氧化碳和水合成有机物。",
      ["光合作用", "植物"], subject="生物", grade=7, day=63),
    L("b02", "DNA是主要的遗传物质", "肺炎链球菌转化实验和噬菌体侵染细菌实验。",
      ["遗传", "DNA"], subject="生物", grade=10, day=64),
    L("s01", "鸦片战争", "1840年鸦片战争与《南京条约》，中国开始沦为半殖民地半封建社会。",
      ["中国近代史"], subject="历史", grade=8, day=65),
    L("s02", "丝绸之路", "张骞通西域与丝绸之路的开辟。",
      ["张骞", "汉朝"], subject="历史", grade=7, day=66),
    L("g01", "中国的河流 第2课时 黄河", "黄河的概况、开发利用与治理。",
      ["黄河", "河流"], subject="地理", grade=8, day=67),
    L("g02", "天津的地理环境", "乡土地理：天津的位置、地形、气候和海河水系。",
      ["天津", "乡土地理", "海河"], subject="地理", grade=8, day=68),
    L("d01", "友谊的天空", "道德与法治七年级上册，认识友谊的特质。",
      ["友谊"], subject="道德与法治", grade=7, day=69),
    # 信息技术 音乐 美术 体育
    L("i01", "Python编程入门 第1课 变量与输出", "安装Python，用print输出，认识变量。",
      ["Python", "编程"], subject="信息技术", grade=10, day=70),
    L("i02", "Scratch动画制作：小猫走迷宫", "用Scratch积木让角色移动并侦测碰撞。",
      ["Scratch", "编程"], subject="信息技术", grade=5, day=71),
    L("i03", "网络与信息安全", "设置安全的密码，识别网络诈骗。",
      ["网络安全"], subject="信息技术", grade=8, day=72),
    L("a01", "音乐欣赏 京剧选段《智取威虎山》", "了解京剧行当与唱腔，欣赏现代京剧选段。",
      ["京剧", "戏曲"], subject="音乐", grade=6, day=73),
    L("a02", "剪纸艺术 窗花", "学习对折剪法，剪出对称的窗花。",
      ["剪纸", "民间美术"], subject="美术", grade=3, day=74),
    L("a03", "中国画入门 画竹子", "学习用中锋画竹竿，用笔墨表现竹叶。",
      ["国画", "水墨"], subject="美术", grade=5, day=75),
    L("pe1", "广播体操《七彩阳光》分解教学", "逐节分解动作，配口令练习。",
      ["广播体操"], subject="体育与健康", grade=4, day=76),
    L("pe2", "跳绳 一分钟跳绳技巧", "摇绳、起跳节奏与呼吸，提高一分钟跳绳成绩。",
      ["跳绳", "体能"], subject="体育与健康", grade=3, day=77),
    # 个性化学习
    E("x01", "田蕴章书法讲座 第12讲 横画的写法", "田蕴章先生讲解楷书长横、短横的起笔、行笔和收笔。",
      ["书法", "毛笔字", "楷书", "笔画"], category="美术", day=80),
    E("x02", "田蕴章书法讲座 第13讲 竖画的写法", "悬针竖与垂露竖的区别和写法。",
      ["书法", "毛笔字", "楷书", "笔画"], category="美术", day=81),
    E("x03", "汉字楷书结构84法 之 上宽下窄", "上部宽、下部窄的字如何安排结构，例字：雷、草、花。",
      ["书法", "楷书", "间架结构"], category="美术", day=82),
    E("x04", "汉字楷书结构84法 之 左窄右宽", "左边部首写得窄、右边写得宽，例字：休、说、把。",
      ["书法", "楷书", "间架结构"], category="美术", day=83),
    E("x05", "围棋入门 吃子技巧", "征子、枷吃、扑和倒扑等基本吃子方法。",
      ["围棋", "棋类"], category="棋类", day=84),
    E("x06", "围棋入门 认识棋盘和棋子", "棋盘上的星位、天元，黑白棋子和气。",
      ["围棋", "棋类"], category="棋类", day=85),
    E("x07", "国际象棋 开局的基本原则", "控制中心、出子和王车易位。",
      ["国际象棋", "棋类"], category="棋类", day=86),
    E("x08", "中国象棋 马的走法", "马走日，认识蹩马腿。",
      ["象棋", "棋类"], category="棋类", day=87),
    E("x09", "机器人编程 Scratch 入门", "用Scratch控制机器人前进、转弯和避障。",
      ["机器人", "Scratch", "编程"], category="机器人", day=88),
    E("x10", "Arduino 智能小车", "用超声波传感器让小车自动避障。",
      ["Arduino", "传感器", "机器人"], category="机器人", day=89),
    E("x11", "3D打印入门：设计一个笔筒", "用三维建模软件设计笔筒并打印出来。",
      ["3D打印", "创客", "建模"], category="创客", day=90),
    E("x12", "天津课堂 京剧脸谱", "认识京剧脸谱的颜色与人物性格：红忠、黑直、白奸。",
      ["京剧", "脸谱", "国粹"], category="曲艺", series="天津课堂", day=91),
    E("x13", "天津课堂 天津快板", "快板的打法和天津方言的韵味。",
      ["快板", "曲艺", "天津方言"], category="曲艺", series="天津课堂", day=92),
    E("x14", "天津课堂 泥人张彩塑", "泥人张的历史与彩塑技法。",
      ["泥塑", "非遗"], category="美术", series="天津课堂", day=93),
    E("x15", "名品欣赏 清明上河图", "北宋张择端的风俗画长卷，汴京的繁华景象。",
      ["国画", "宋代"], category="美术", series="名品欣赏", day=94),
    E("x16", "名品欣赏 梁祝小提琴协奏曲", "何占豪、陈钢作曲，化蝶的旋律。",
      ["小提琴", "协奏曲"], category="音乐", series="名品欣赏", day=95),
    E("x17", "少儿街舞 基础律动", "跟着节拍练习律动和基本步伐。",
      ["街舞", "舞蹈"], category="舞蹈", day=96),
    E("x18", "手机摄影 构图技巧", "三分法构图、引导线和前景的运用。",
      ["摄影", "构图"], category="摄影", day=97),
    E("x19", "走进天文馆 认识星座", "四季星空与常见星座的辨认方法。",
      ["天文", "星座"], category="科普", day=98),
    E("x20", "恐龙的秘密", "恐龙化石告诉我们什么。",
      ["恐龙", "化石"], category="科普", day=99),
    E("x21", "垃圾分类 从我做起", "可回收物、厨余垃圾、有害垃圾和其他垃圾。",
      ["环保"], category="科普", day=100),
    E("x22", "古筝入门 第1课 认识古筝", "古筝的构造、坐姿与基本指法。",
      ["古筝", "民族乐器"], category="音乐", day=101),
    E("x23", "五子棋 基本战术", "活三、冲四与禁手规则。",
      ["五子棋", "棋类"], category="棋类", day=102),
    E("x24", "相声基本功 说学逗唱", "相声的四门功课与贯口练习。",
      ["相声", "曲艺"], category="曲艺", series="天津课堂", day=103),
    E("x25", "居家健身操", "在家也能做的全身运动，适合课间锻炼。",
      ["健身", "体育"], category="体育", day=104),
]  # fmt: skip

# (query, the first hit) — the first hit must be exactly this resource.
FIRST: list[tuple[str, str]] = [
    ("解二元一次方程组 第2课时", "m02"),  # whole title
    ("二元一次方程组的应用", "m03"),
    ("代入消元", "m01"),  # tags and description only
    ("加减消元法", "m02"),
    ("光的反射", "p01"),
    ("人教版八年级上册物理光的反射", "p01"),  # typed without the title's spaces
    ("反射", "p01"),  # sub-word
    ("古诗三首", "c01"),
    ("朱自清 背影", "c05"),
    ("横画", "x01"),  # sub-word of 横画的写法
    ("田蕴章 第12讲", "x01"),
    ("上宽下窄", "x03"),
    ("吃子", "x05"),
    ("京剧脸谱", "x12"),
    ("脸谱", "x12"),
    ("国粹", "x12"),  # tag only
    ("scratch 机器人", "x09"),  # Latin + CJK across title and tags
    ("ＰＹＴＨＯＮ", "i01"),  # full-width Latin
    ("3D打印", "x11"),
    ("DNA", "b02"),
    ("勾股", "m05"),
    ("欧姆", "p04"),
    ("阿基米德", "p05"),  # description only
    ("黄河", "g01"),
    ("天津快板", "x13"),
    ("泥人张", "x14"),
    ("清明上河图", "x15"),
    ("梁祝", "x16"),
    ("鸦片战争", "s01"),
    ("光合作用", "b01"),
    ("鸡兔同笼", "m12"),  # title beats m03's description
    ("凑十法", "m10"),
    ("窗花", "a02"),
    ("竹", "a03"),  # one character
    ("筝", "x22"),  # one character
    ("海河", "g02"),  # tag and description
]

# (query, acceptable first hits, how many leading hits must all come from that set).
AMONG: list[tuple[str, set[str], int]] = [
    ("二元一次方程", {"m01", "m02", "m03"}, 3),  # all three have it in the title
    ("诗", {"c01", "c08", "c07"}, 2),  # 古诗三首, 唐诗宋词 (诗 in the title), 沁园春 (诗词 tag)
    ("棋", {"x05", "x06", "x07", "x08", "x23"}, 3),
    ("毛笔字", {"x01", "x02"}, 2),  # tag only, on both lectures
    ("楷书结构", {"x03", "x04"}, 2),
    ("Scratch", {"i02", "x09"}, 2),
    ("京剧", {"x12", "a01"}, 2),
    ("书法", {"x01", "x02", "x03", "x04"}, 4),
]


@pytest.fixture(scope="module")
def index() -> SearchIndex:
    ix = SearchIndex("city")
    ix.add_many(CATALOG)
    return ix


def ids(ix: SearchIndex, query: str, n: int = 5) -> list[str]:
    return [h.id for h in ix.search(query, size=n, reader_school=None, guest=False).hits]


def test_the_catalog_is_what_the_cases_assume(index: SearchIndex) -> None:
    assert len(index) == len(CATALOG) >= 80
    assert len(FIRST) + len(AMONG) >= 20
    assert {i for _, i in FIRST} | set().union(*(s for _, s, _ in AMONG)) <= set(index._num)


@pytest.mark.parametrize(("query", "expected"), FIRST, ids=[q for q, _ in FIRST])
def test_first_hit(index: SearchIndex, query: str, expected: str) -> None:
    found = ids(index, query)
    assert found and found[0] == expected, found


@pytest.mark.parametrize(("query", "acceptable", "leading"), AMONG, ids=[q for q, _, _ in AMONG])
def test_leading_hits_come_from(
    index: SearchIndex, query: str, acceptable: set[str], leading: int
) -> None:
    found = ids(index, query, n=10)
    assert len(found) >= leading and set(found[:leading]) <= acceptable, found


def test_every_case_is_an_exact_match_not_a_relaxed_one(index: SearchIndex) -> None:
    for query in [q for q, _ in FIRST] + [q for q, _, _ in AMONG]:
        assert not index.search(query, reader_school=None, guest=False).relaxed, query
