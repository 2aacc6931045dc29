"""English and 语文 items: templated grammar with computed keys, and banks of classic lines."""

from __future__ import annotations

import random

from xbt_catalog.demo._items_common import BLANK, Gen, Item, fill, single

# ---- English ----------------------------------------------------------------------------

# base, 3rd person singular, past, -ing, object ({pos} = the subject's possessive)
_VERBS = [
    ("play", "plays", "played", "playing", "football"),
    ("watch", "watches", "watched", "watching", "TV"),
    ("do", "does", "did", "doing", "{pos} homework"),
    ("go", "goes", "went", "going", "to school by bike"),
    ("visit", "visits", "visited", "visiting", "{pos} grandparents"),
    ("clean", "cleans", "cleaned", "cleaning", "{pos} room"),
    ("write", "writes", "wrote", "writing", "an email to {pos} pen pal"),
    ("cook", "cooks", "cooked", "cooking", "dinner"),
    ("ride", "rides", "rode", "riding", "a bike in the park"),
    ("fly", "flies", "flew", "flying", "a kite"),
    ("have", "has", "had", "having", "breakfast at home"),
    ("practice", "practices", "practiced", "practicing", "the piano"),
    ("swim", "swims", "swam", "swimming", "in the river"),
]
# subject, possessive, person (1 = I, 3 = third singular, 0 = plural)
_SUBJECTS = [
    ("I", "my", 1),
    ("He", "his", 3),
    ("She", "her", 3),
    ("They", "their", 0),
    ("We", "our", 0),
    ("Tom", "his", 3),
    ("My parents", "their", 0),
    ("Lucy and Lily", "their", 0),
]
_CUES = [
    ("present", "{s} ____ {o} every day.", "every day"),
    ("present", "{s} usually ____ {o} on Sundays.", "usually ... on Sundays"),
    ("past", "{s} ____ {o} yesterday.", "yesterday"),
    ("past", "{s} ____ {o} last weekend.", "last weekend"),
    ("past", "{s} ____ {o} two days ago.", "two days ago"),
    ("continuous", "{s} ____ {o} now.", "now"),
    ("continuous", "Look! {s} ____ {o}.", "Look!"),
    ("future", "{s} ____ {o} tomorrow.", "tomorrow"),
    ("future", "{s} ____ {o} next week.", "next week"),
]
_TENSE_NAMES = {
    "present": "一般现在时",
    "past": "一般过去时",
    "continuous": "现在进行时",
    "future": "一般将来时",
}


def tense_choice(rng: random.Random) -> Item | None:
    base, third, past, ing, obj = rng.choice(_VERBS)
    subj, pos, person = rng.choice(_SUBJECTS)
    tense, pattern, cue = rng.choice(_CUES)
    if cue == "Look!" and subj in ("I", "We"):
        return None
    be = {1: "am", 3: "is", 0: "are"}[person]
    forms = {
        "present": third if person == 3 else base,
        "past": past,
        "continuous": f"{be} {ing}",
        "future": f"will {base}",
    }
    correct = forms[tense]
    stem = pattern.format(s=subj, o=obj.format(pos=pos)).replace("____", BLANK)
    why = f"时间状语 {cue} 提示用{_TENSE_NAMES[tense]}"
    if tense == "present":
        rule = "是第三人称单数，动词用三单形式" if person == 3 else "不是第三人称单数，动词用原形"
        why += f"；主语 {subj} {rule}"
    elif tense == "continuous":
        why += f"，结构为 be + doing，主语 {subj} 对应 {be}"
    item = single(
        rng,
        stem,
        correct,
        [v for k, v in forms.items() if k != tense],
        f"{why}，故填 {correct}。",
        2,
    )
    if item is not None:
        item["kp_names"] = (_TENSE_NAMES[tense],)
    return item


_ADJECTIVES = [
    (
        "tall",
        "taller",
        "tallest",
        "Tom is ____ (tall) than his brother.",
        "Tom is the ____ (tall) boy in our class.",
    ),
    (
        "big",
        "bigger",
        "biggest",
        "This box is ____ (big) than that one.",
        "Shanghai is one of the ____ (big) cities in China.",
    ),
    (
        "happy",
        "happier",
        "happiest",
        "She looks ____ (happy) today than yesterday.",
        "That was the ____ (happy) day of my life.",
    ),
    (
        "good",
        "better",
        "best",
        "Your English is ____ (good) than mine.",
        "Lily is the ____ (good) singer in our school.",
    ),
    (
        "bad",
        "worse",
        "worst",
        "The weather today is ____ (bad) than yesterday.",
        "This is the ____ (bad) film I have ever seen.",
    ),
    (
        "interesting",
        "more interesting",
        "most interesting",
        "This story is ____ (interesting) than that one.",
        "I think history is the ____ (interesting) subject.",
    ),
    (
        "beautiful",
        "more beautiful",
        "most beautiful",
        "The park is ____ (beautiful) in spring than in winter.",
        "West Lake is one of the ____ (beautiful) places in China.",
    ),
    (
        "heavy",
        "heavier",
        "heaviest",
        "My schoolbag is ____ (heavy) than yours.",
        "The elephant is the ____ (heavy) animal in the zoo.",
    ),
    (
        "hot",
        "hotter",
        "hottest",
        "It is ____ (hot) in July than in May.",
        "July is usually the ____ (hot) month of the year in Tianjin.",
    ),
    (
        "outgoing",
        "more outgoing",
        "most outgoing",
        "I'm ____ (outgoing) than my sister.",
        "Mary is the ____ (outgoing) girl in our class.",
    ),
    (
        "thin",
        "thinner",
        "thinnest",
        "Jim is ____ (thin) than his father.",
        "He is the ____ (thin) boy in his family.",
    ),
    (
        "easy",
        "easier",
        "easiest",
        "The second question is ____ (easy) than the first one.",
        "This is the ____ (easy) exercise in the book.",
    ),
    (
        "popular",
        "more popular",
        "most popular",
        "Table tennis is ____ (popular) than baseball in China.",
        "Table tennis is one of the ____ (popular) sports in China.",
    ),
    (
        "long",
        "longer",
        "longest",
        "The Yangtze River is ____ (long) than the Yellow River.",
        "The Yangtze River is the ____ (long) river in China.",
    ),
    (
        "high",
        "higher",
        "highest",
        "This building is ____ (high) than that one.",
        "Qomolangma is the ____ (high) mountain in the world.",
    ),
]


def _adjective(rng: random.Random, superlative: bool) -> Item:
    adj, comp, sup, s_comp, s_sup = rng.choice(_ADJECTIVES)
    if superlative:
        return fill(
            f"用所给词的适当形式填空：{s_sup.replace('____', BLANK)}",
            [[sup]],
            f"句中有 the 和表示范围的短语，用最高级：{adj} → {sup}。",
            2,
        )
    return fill(
        f"用所给词的适当形式填空：{s_comp.replace('____', BLANK)}",
        [[comp]],
        f"句中有 than，用比较级：{adj} → {comp}。",
        2,
    )


def comparative(rng: random.Random) -> Item:
    return _adjective(rng, superlative=False)


def superlative(rng: random.Random) -> Item:
    return _adjective(rng, superlative=True)


_PLURALS = [
    ("box", "boxes", "There are three ____ (box) on the desk."),
    ("child", "children", "There are many ____ (child) in the park."),
    ("tomato", "tomatoes", "We need some ____ (tomato) to make the soup."),
    ("knife", "knives", "Please put the ____ (knife) in the drawer."),
    ("man", "men", "Two ____ (man) are talking under the tree."),
    ("foot", "feet", "A duck has two ____ (foot)."),
    ("sheep", "sheep", "There are lots of ____ (sheep) on the farm."),
    ("city", "cities", "Beijing and Tianjin are big ____ (city)."),
    ("photo", "photos", "She took many ____ (photo) on the trip."),
    ("leaf", "leaves", "The ____ (leaf) turn yellow in autumn."),
    ("tooth", "teeth", "Brush your ____ (tooth) twice a day."),
    ("mouse", "mice", "The cat caught two ____ (mouse)."),
    ("potato", "potatoes", "My mother bought some ____ (potato)."),
    ("woman", "women", "The two ____ (woman) are both teachers."),
    ("family", "families", "Many ____ (family) in our city have cars."),
    ("watch", "watches", "He has two ____ (watch)."),
    ("dictionary", "dictionaries", "We have three English ____ (dictionary)."),
    ("strawberry", "strawberries", "Do you like ____ (strawberry)?"),
    ("bus", "buses", "There are many ____ (bus) on the road."),
    ("German", "Germans", "Two ____ (German) visited our school yesterday."),
]


def plural(rng: random.Random) -> Item:
    word, plural_form, sentence = rng.choice(_PLURALS)
    return fill(
        f"用所给词的适当形式填空：{sentence.replace('____', BLANK)}",
        [[plural_form]],
        f"名词 {word} 的复数形式是 {plural_form}。",
        1,
    )


_TIME_PREPS = [
    ("We have a holiday ____ May 1st.", "on"),
    ("My birthday is ____ October.", "in"),
    ("I get up ____ six thirty every morning.", "at"),
    ("We often go to the park ____ Sunday afternoon.", "on"),
    ("She was born ____ 2008.", "in"),
    ("Let's meet ____ noon.", "at"),
    ("It is cold ____ winter in Tianjin.", "in"),
    ("He often reads books ____ night.", "at"),
    ("We have English ____ Monday and Friday.", "on"),
    ("I usually do my homework ____ the evening.", "in"),
    ("They arrived ____ the morning of June 5th.", "on"),
    ("The shop closes ____ 9 p.m.", "at"),
    ("My grandfather was born ____ May 20th, 1950.", "on"),
    ("We have a long holiday ____ summer.", "in"),
]
_PREP_RULE = {
    "in": "in 用于月份、年份、季节以及 in the morning/afternoon/evening",
    "on": "on 用于具体的某一天或某一天的上午、下午、晚上",
    "at": "at 用于具体的时刻以及 at noon、at night 等",
}


def time_preposition(rng: random.Random) -> Item | None:
    sentence, prep = rng.choice(_TIME_PREPS)
    return single(
        rng,
        sentence.replace("____", BLANK),
        prep,
        [p for p in ("in", "on", "at", "for") if p != prep],
        f"{_PREP_RULE[prep]}，故选 {prep}。",
        1,
    )


_ENGLISH_JUNIOR_BANK: list[tuple[str, str, list[str], str, tuple[str, ...]]] = [
    (
        "—____ does your father do? —He is a doctor.",
        "What",
        ["How", "Where", "When"],
        "问职业用 What does ... do?",
        ("问候与介绍",),
    ),
    (
        "—____ do you go to school? —By bike.",
        "How",
        ["What", "When", "Why"],
        "问交通方式用 how。",
        ("问候与介绍",),
    ),
    (
        "—____ is the T-shirt? —It's 50 yuan.",
        "How much",
        ["How many", "How long", "How often"],
        "问价格用 how much。",
        ("购物与问路",),
    ),
    (
        "—____ do you exercise? —Twice a week.",
        "How often",
        ["How long", "How soon", "How far"],
        "问频率用 how often。",
        ("问候与介绍",),
    ),
    (
        "There ____ some milk in the glass.",
        "is",
        ["are", "be", "am"],
        "milk 是不可数名词，be 动词用 is。",
        ("可数名词与不可数名词",),
    ),
    (
        "I don't know ____ he will come tomorrow.",
        "if",
        ["that", "what", "which"],
        "宾语从句表示“是否”，用 if 或 whether。",
        ("宾语从句",),
    ),
    (
        "This is the boy ____ helped me yesterday.",
        "who",
        ["which", "whose", "where"],
        "先行词 the boy 指人，在从句中作主语，用 who（或 that）。",
        ("定语从句",),
    ),
    (
        "You ____ talk loudly in the library.",
        "mustn't",
        ["needn't", "can", "have to"],
        "在图书馆“禁止”大声说话，用 mustn't。",
        ("情态动词的用法",),
    ),
    (
        "The Great Wall ____ all over the world.",
        "is known",
        ["knows", "knew", "is knowing"],
        "长城“被”世人所知，用一般现在时的被动语态。",
        ("一般现在时的被动语态",),
    ),
    (
        "English ____ in many countries.",
        "is spoken",
        ["speaks", "spoke", "is speaking"],
        "英语“被”说，用一般现在时的被动语态。",
        ("一般现在时的被动语态",),
    ),
    (
        "I ____ TV when my mother came back.",
        "was watching",
        ["watched", "am watching", "will watch"],
        "when 引导的从句用一般过去时，主句表示当时正在进行的动作，用过去进行时。",
        ("过去进行时",),
    ),
    (
        "We ____ in Tianjin since 2010.",
        "have lived",
        ["lived", "live", "will live"],
        "since + 过去时间点，用现在完成时。",
        ("现在完成时",),
    ),
    (
        "He asked me ____.",
        "where I lived",
        ["where did I live", "where do I live", "where will I live"],
        "宾语从句用陈述语序，主句是过去时，从句用相应的过去时态。",
        ("宾语从句",),
    ),
]

_ENGLISH_SENIOR_BANK: list[tuple[str, str, list[str], str, tuple[str, ...]]] = [
    (
        "This is the house ____ Lu Xun once lived.",
        "where",
        ["which", "when", "whose"],
        "先行词 the house 在从句中作地点状语，用 where。",
        ("定语从句",),
    ),
    (
        "I still remember the day ____ I first came to this school.",
        "when",
        ["where", "which", "what"],
        "先行词 the day 在从句中作时间状语，用 when。",
        ("定语从句",),
    ),
    (
        "The boy ____ father is a doctor is my classmate.",
        "whose",
        ["who", "which", "that"],
        "先行词 the boy 与 father 是所属关系，用 whose。",
        ("定语从句",),
    ),
    (
        "____ is known to all, China is a developing country.",
        "As",
        ["Which", "What", "That"],
        "as 引导非限制性定语从句，可置于句首，意为“正如”。",
        ("定语从句",),
    ),
    (
        "____ he said at the meeting surprised everyone.",
        "What",
        ["That", "Which", "Whether"],
        "主语从句中缺少 said 的宾语，用 what。",
        ("名词性从句",),
    ),
    (
        "The reason ____ he was late was that he missed the bus.",
        "why",
        ["because", "which", "what"],
        "先行词 the reason 在从句中作原因状语，用 why。",
        ("定语从句",),
    ),
    (
        "It was in Tianjin ____ she met her best friend.",
        "that",
        ["where", "which", "when"],
        "强调句型 It is/was + 被强调部分 + that ...。",
        ("强调句",),
    ),
    (
        "The teacher made us ____ the text again.",
        "read",
        ["to read", "reading", "to be read"],
        "make sb do sth，不定式省略 to。",
        ("非谓语动词",),
    ),
    (
        "He is said ____ abroad last year.",
        "to have studied",
        ["to study", "studying", "having studied"],
        "“据说去年留学”，动作先于 is said，用不定式的完成式。",
        ("非谓语动词",),
    ),
    (
        "____ from the top of the hill, the city looks beautiful.",
        "Seen",
        ["Seeing", "To see", "Having seen"],
        "the city 与 see 是被动关系，用过去分词作状语。",
        ("非谓语动词",),
    ),
    (
        "I'm looking forward to ____ from you.",
        "hearing",
        ["hear", "heard", "be heard"],
        "look forward to 中 to 是介词，后接动名词。",
        ("非谓语动词",),
    ),
    (
        "The bridge ____ now will be finished next year.",
        "being built",
        ["built", "building", "to build"],
        "桥“正在被建”，用 being done 作后置定语。",
        ("非谓语动词",),
    ),
    (
        "If I ____ you, I would accept the offer.",
        "were",
        ["am", "will be", "had been"],
        "与现在事实相反的虚拟条件句，be 动词用 were。",
        ("虚拟语气",),
    ),
    (
        "Not until he came back ____ the truth.",
        "did I know",
        ["I knew", "I did know", "knew I"],
        "not until 位于句首，主句用部分倒装。",
        ("倒装句",),
    ),
    (
        "Only in this way ____ solve the problem.",
        "can we",
        ["we can", "we could", "we are able to"],
        "only + 状语位于句首，主句用部分倒装。",
        ("倒装句",),
    ),
]

_WORD_FORMATION = [
    ("He answered all the questions ____ (careful).", ["carefully"], "修饰动词用副词 carefully。"),
    (
        "The ____ (develop) of technology has changed our life.",
        ["development"],
        "冠词后用名词 development。",
    ),
    ("She made a ____ (decide) to study abroad.", ["decision"], "make a decision 做决定。"),
    (
        "We all know the ____ (important) of protecting the environment.",
        ["importance"],
        "the 后用名词 importance。",
    ),
    ("The children shouted with ____ (excite).", ["excitement"], "介词 with 后用名词 excitement。"),
    ("Thank you for your ____ (kind).", ["kindness"], "形容词性物主代词后用名词 kindness。"),
    (
        "____ (lucky), we caught the last bus.",
        ["Luckily", "luckily"],
        "修饰整个句子用副词 luckily。",
    ),
    ("The book is ____ (use) for beginners.", ["useful"], "系动词后用形容词 useful。"),
    ("He felt ____ (disappoint) at the result.", ["disappointed"], "修饰人的感受用 -ed 形容词。"),
    (
        "It was an ____ (amaze) experience.",
        ["amazing"],
        "修饰事物用 -ing 形容词，an 提示以元音音素开头。",
    ),
    ("She sang ____ (beautiful) at the party.", ["beautifully"], "修饰动词用副词 beautifully。"),
    ("His ____ (explain) was clear and simple.", ["explanation"], "物主代词后用名词 explanation。"),
    (
        "Tianjin is a city that is both ____ (tradition) and modern.",
        ["traditional"],
        "与 modern 并列，用形容词。",
    ),
    (
        "We should be ____ (patience) with young children.",
        ["patient"],
        "系动词后用形容词 patient。",
    ),
    (
        "The scientist made an important ____ (discover).",
        ["discovery"],
        "形容词后用名词 discovery。",
    ),
    (
        "The ____ (friend) between the two countries has a long history.",
        ["friendship"],
        "the 后用名词 friendship。",
    ),
    ("He ____ (success) passed the exam.", ["successfully"], "修饰动词用副词 successfully。"),
    ("The ____ (arrive) of spring brings warm weather.", ["arrival"], "the 后用名词 arrival。"),
    (
        "Lu Xun is one of the most ____ (influence) writers in China.",
        ["influential"],
        "修饰名词用形容词。",
    ),
]


def word_formation(rng: random.Random) -> Item:
    sentence, answers, why = rng.choice(_WORD_FORMATION)
    return fill(f"语法填空：{sentence.replace('____', BLANK)}", [answers], why, 3)


# ---- 语文 -------------------------------------------------------------------------------

# (title, author, dynasty, first half, separator, second half, end, stage)
_POEMS: list[tuple[str, str, str, str, str, str, str, str]] = [
    ("静夜思", "李白", "唐", "举头望明月", "，", "低头思故乡", "。", "初中"),
    ("春晓", "孟浩然", "唐", "夜来风雨声", "，", "花落知多少", "。", "初中"),
    ("登鹳雀楼", "王之涣", "唐", "欲穷千里目", "，", "更上一层楼", "。", "初中"),
    ("悯农（其二）", "李绅", "唐", "谁知盘中餐", "，", "粒粒皆辛苦", "。", "初中"),
    ("赋得古原草送别", "白居易", "唐", "野火烧不尽", "，", "春风吹又生", "。", "初中"),
    ("望庐山瀑布", "李白", "唐", "飞流直下三千尺", "，", "疑是银河落九天", "。", "初中"),
    ("绝句", "杜甫", "唐", "两个黄鹂鸣翠柳", "，", "一行白鹭上青天", "。", "初中"),
    ("江雪", "柳宗元", "唐", "孤舟蓑笠翁", "，", "独钓寒江雪", "。", "初中"),
    ("春夜喜雨", "杜甫", "唐", "随风潜入夜", "，", "润物细无声", "。", "初中"),
    ("黄鹤楼送孟浩然之广陵", "李白", "唐", "孤帆远影碧空尽", "，", "唯见长江天际流", "。", "初中"),
    ("送元二使安西", "王维", "唐", "劝君更尽一杯酒", "，", "西出阳关无故人", "。", "初中"),
    ("九月九日忆山东兄弟", "王维", "唐", "独在异乡为异客", "，", "每逢佳节倍思亲", "。", "初中"),
    ("早发白帝城", "李白", "唐", "两岸猿声啼不住", "，", "轻舟已过万重山", "。", "初中"),
    ("山行", "杜牧", "唐", "停车坐爱枫林晚", "，", "霜叶红于二月花", "。", "初中"),
    ("出塞", "王昌龄", "唐", "但使龙城飞将在", "，", "不教胡马度阴山", "。", "初中"),
    ("游子吟", "孟郊", "唐", "谁言寸草心", "，", "报得三春晖", "。", "初中"),
    ("题西林壁", "苏轼", "宋", "不识庐山真面目", "，", "只缘身在此山中", "。", "初中"),
    ("饮湖上初晴后雨", "苏轼", "宋", "欲把西湖比西子", "，", "淡妆浓抹总相宜", "。", "初中"),
    ("泊船瓜洲", "王安石", "宋", "春风又绿江南岸", "，", "明月何时照我还", "？", "初中"),
    ("示儿", "陆游", "宋", "王师北定中原日", "，", "家祭无忘告乃翁", "。", "初中"),
    ("石灰吟", "于谦", "明", "粉骨碎身浑不怕", "，", "要留清白在人间", "。", "初中"),
    ("竹石", "郑燮", "清", "千磨万击还坚劲", "，", "任尔东西南北风", "。", "初中"),
    ("己亥杂诗（其五）", "龚自珍", "清", "落红不是无情物", "，", "化作春泥更护花", "。", "初中"),
    ("望岳", "杜甫", "唐", "会当凌绝顶", "，", "一览众山小", "。", "初中"),
    ("春望", "杜甫", "唐", "烽火连三月", "，", "家书抵万金", "。", "初中"),
    ("次北固山下", "王湾", "唐", "海日生残夜", "，", "江春入旧年", "。", "初中"),
    ("使至塞上", "王维", "唐", "大漠孤烟直", "，", "长河落日圆", "。", "初中"),
    ("送杜少府之任蜀州", "王勃", "唐", "海内存知己", "，", "天涯若比邻", "。", "初中"),
    ("钱塘湖春行", "白居易", "唐", "乱花渐欲迷人眼", "，", "浅草才能没马蹄", "。", "初中"),
    ("登飞来峰", "王安石", "宋", "不畏浮云遮望眼", "，", "自缘身在最高层", "。", "初中"),
    (
        "酬乐天扬州初逢席上见赠",
        "刘禹锡",
        "唐",
        "沉舟侧畔千帆过",
        "，",
        "病树前头万木春",
        "。",
        "初中",
    ),
    ("水调歌头·明月几时有", "苏轼", "宋", "但愿人长久", "，", "千里共婵娟", "。", "初中"),
    ("过零丁洋", "文天祥", "宋", "人生自古谁无死", "？", "留取丹心照汗青", "。", "初中"),
    ("行路难（其一）", "李白", "唐", "长风破浪会有时", "，", "直挂云帆济沧海", "。", "初中"),
    ("无题", "李商隐", "唐", "春蚕到死丝方尽", "，", "蜡炬成灰泪始干", "。", "初中"),
    ("赤壁", "杜牧", "唐", "东风不与周郎便", "，", "铜雀春深锁二乔", "。", "初中"),
    ("泊秦淮", "杜牧", "唐", "商女不知亡国恨", "，", "隔江犹唱后庭花", "。", "初中"),
    ("雁门太守行", "李贺", "唐", "报君黄金台上意", "，", "提携玉龙为君死", "。", "初中"),
    (
        "闻王昌龄左迁龙标遥有此寄",
        "李白",
        "唐",
        "我寄愁心与明月",
        "，",
        "随君直到夜郎西",
        "。",
        "初中",
    ),
    ("黄鹤楼", "崔颢", "唐", "日暮乡关何处是", "？", "烟波江上使人愁", "。", "初中"),
    ("天净沙·秋思", "马致远", "元", "夕阳西下", "，", "断肠人在天涯", "。", "初中"),
    ("观沧海", "曹操", "东汉", "日月之行", "，", "若出其中", "；", "初中"),
    ("游山西村", "陆游", "宋", "山重水复疑无路", "，", "柳暗花明又一村", "。", "初中"),
    ("观书有感（其一）", "朱熹", "宋", "问渠那得清如许", "？", "为有源头活水来", "。", "初中"),
    ("望月怀远", "张九龄", "唐", "海上生明月", "，", "天涯共此时", "。", "初中"),
    ("夜雨寄北", "李商隐", "唐", "何当共剪西窗烛", "，", "却话巴山夜雨时", "。", "初中"),
    ("秋词（其一）", "刘禹锡", "唐", "晴空一鹤排云上", "，", "便引诗情到碧霄", "。", "初中"),
    ("登高", "杜甫", "唐", "无边落木萧萧下", "，", "不尽长江滚滚来", "。", "高中"),
    ("锦瑟", "李商隐", "唐", "此情可待成追忆", "？", "只是当时已惘然", "。", "高中"),
    ("琵琶行", "白居易", "唐", "同是天涯沦落人", "，", "相逢何必曾相识", "！", "高中"),
    ("蜀道难", "李白", "唐", "蜀道之难", "，", "难于上青天", "！", "高中"),
    ("将进酒", "李白", "唐", "天生我材必有用", "，", "千金散尽还复来", "。", "高中"),
    ("离骚（节选）", "屈原", "战国", "长太息以掩涕兮", "，", "哀民生之多艰", "。", "高中"),
    ("离骚（节选）", "屈原", "战国", "亦余心之所善兮", "，", "虽九死其犹未悔", "。", "高中"),
    ("劝学", "荀子", "战国", "不积跬步", "，", "无以至千里", "；", "高中"),
    ("劝学", "荀子", "战国", "青，取之于蓝", "，", "而青于蓝", "；", "高中"),
    ("短歌行", "曹操", "东汉", "周公吐哺", "，", "天下归心", "。", "高中"),
    ("归园田居（其一）", "陶渊明", "东晋", "久在樊笼里", "，", "复得返自然", "。", "高中"),
    ("梦游天姥吟留别", "李白", "唐", "安能摧眉折腰事权贵", "，", "使我不得开心颜", "！", "高中"),
    ("赤壁赋", "苏轼", "宋", "寄蜉蝣于天地", "，", "渺沧海之一粟", "。", "高中"),
    ("师说", "韩愈", "唐", "闻道有先后", "，", "术业有专攻", "，", "高中"),
    ("阿房宫赋", "杜牧", "唐", "后人哀之而不鉴之", "，", "亦使后人而复哀后人也", "。", "高中"),
    ("沁园春·长沙", "毛泽东", "现代", "恰同学少年", "，", "风华正茂", "；", "高中"),
    ("念奴娇·赤壁怀古", "苏轼", "宋", "人生如梦", "，", "一尊还酹江月", "。", "高中"),
    ("春江花月夜", "张若虚", "唐", "江畔何人初见月", "？", "江月何年初照人", "？", "高中"),
    ("登幽州台歌", "陈子昂", "唐", "前不见古人", "，", "后不见来者", "。", "高中"),
]

_WORKS: list[tuple[str, str, str]] = [
    ("朝花夕拾", "鲁迅", "初中"),
    ("骆驼祥子", "老舍", "初中"),
    ("红星照耀中国", "埃德加·斯诺", "初中"),
    ("西游记", "吴承恩", "初中"),
    ("水浒传", "施耐庵", "初中"),
    ("儒林外史", "吴敬梓", "初中"),
    ("钢铁是怎样炼成的", "奥斯特洛夫斯基", "初中"),
    ("海底两万里", "儒勒·凡尔纳", "初中"),
    ("昆虫记", "法布尔", "初中"),
    ("简·爱", "夏洛蒂·勃朗特", "初中"),
    ("傅雷家书", "傅雷", "初中"),
    ("艾青诗选", "艾青", "初中"),
    ("乡土中国", "费孝通", "高中"),
    ("红楼梦", "曹雪芹", "高中"),
    ("边城", "沈从文", "高中"),
    ("雷雨", "曹禺", "高中"),
    ("茶馆", "老舍", "高中"),
    ("平凡的世界", "路遥", "高中"),
    ("围城", "钱锺书", "高中"),
    ("家", "巴金", "高中"),
    ("子夜", "茅盾", "高中"),
    ("呐喊", "鲁迅", "高中"),
    ("三国演义", "罗贯中", "高中"),
    ("城南旧事", "林海音", "高中"),
]

_RHETORIC: list[tuple[str, str]] = [
    ("盼望着，盼望着，东风来了，春天的脚步近了。", "拟人"),
    ("桃树、杏树、梨树，你不让我，我不让你，都开满了花赶趟儿。", "拟人"),
    ("山朗润起来了，水涨起来了，太阳的脸红起来了。", "拟人"),
    ("白发三千丈，缘愁似个长。", "夸张"),
    ("燕山雪花大如席，片片吹落轩辕台。", "夸张"),
    ("远远的街灯明了，好像闪着无数的明星。", "比喻"),
    ("叶子出水很高，像亭亭的舞女的裙。", "比喻"),
    ("书是人类进步的阶梯。", "比喻"),
    ("谁是我们最可爱的人呢？我们的部队，我们的战士，我感到他们是最可爱的人。", "设问"),
    ("为什么我的眼里常含泪水？因为我对这土地爱得深沉……", "设问"),
    ("横眉冷对千夫指，俯首甘为孺子牛。", "对偶"),
    ("人有悲欢离合，月有阴晴圆缺。", "对偶"),
]
_FIGURES = ("比喻", "拟人", "夸张", "设问", "对偶", "排比", "反问")


def _poem_gens(stage: str) -> list[Gen]:
    poems = [p for p in _POEMS if p[7] == stage]
    gens: list[Gen] = []
    for title, author, dynasty, a, sep, b, end, _ in poems:
        src = f"（{author}《{title}》）"

        def first_blank(
            rng: random.Random,
            a: str = a,
            sep: str = sep,
            b: str = b,
            end: str = end,
            src: str = src,
        ) -> Item:
            return fill(
                f"补写出下列名句中的空缺部分：{BLANK}{sep}{b}{end}{src}",
                [[a]],
                f"原句为“{a}{sep}{b}{end}”",
                2,
            )

        def second_blank(
            rng: random.Random,
            a: str = a,
            sep: str = sep,
            b: str = b,
            end: str = end,
            src: str = src,
        ) -> Item:
            return fill(
                f"补写出下列名句中的空缺部分：{a}{sep}{BLANK}{end}{src}",
                [[b]],
                f"原句为“{a}{sep}{b}{end}”",
                2,
            )

        def source(
            rng: random.Random,
            title: str = title,
            author: str = author,
            dynasty: str = dynasty,
            a: str = a,
            sep: str = sep,
            b: str = b,
            end: str = end,
        ) -> Item | None:
            others = list(dict.fromkeys(f"{p[1]}《{p[0]}》" for p in _POEMS if p[1] != author))
            return single(
                rng,
                f"“{a}{sep}{b}{end}”出自（　　）",
                f"{author}《{title}》",
                rng.sample(others, 3),
                f"这两句出自{dynasty}代{author}的《{title}》。"
                if dynasty not in ("现代", "东汉", "东晋", "战国")
                else f"这两句出自{dynasty}{author}的《{title}》。",
                2,
            )

        kp = "古诗词默写" if stage == "初中" else "名句名篇默写"
        gens.append(Gen("语文", stage, (kp,), None, first_blank))
        gens.append(Gen("语文", stage, (kp,), None, second_blank))
        gens.append(
            Gen("语文", stage, ("古诗词鉴赏" if stage == "初中" else "诗歌鉴赏",), None, source)
        )
    return gens


def _work_gens(stage: str) -> list[Gen]:
    gens: list[Gen] = []
    for work, author, s in _WORKS:
        if s != stage:
            continue

        def make(rng: random.Random, work: str = work, author: str = author) -> Item | None:
            others = [a for w, a, _ in _WORKS if a != author]
            return single(
                rng,
                f"《{work}》的作者是（　　）",
                author,
                rng.sample(list(dict.fromkeys(others)), 3),
                f"《{work}》的作者是{author}。",
                1,
            )

        gens.append(Gen("语文", stage, ("作家作品",), None, make))
    return gens


def rhetoric(rng: random.Random) -> Item | None:
    sentence, figure = rng.choice(_RHETORIC)
    return single(
        rng,
        f"下列句子运用的修辞手法是（　　）\n“{sentence}”",
        figure,
        rng.sample([f for f in _FIGURES if f != figure], 3),
        f"这句话主要运用了{figure}的修辞手法。",
        2,
    )


def _bank(stage: str, rows: list[tuple[str, str, list[str], str, tuple[str, ...]]]) -> list[Gen]:
    def maker(row: tuple[str, str, list[str], str, tuple[str, ...]]) -> Gen:
        stem, correct, distractors, why, kps = row
        return Gen(
            "英语",
            stage,
            kps,
            None,
            lambda rng: single(
                rng, stem.replace("____", BLANK), correct, list(distractors), why, 2
            ),
        )

    return [maker(r) for r in rows]


GENS: list[Gen] = [
    Gen(
        "英语", "初中", ("一般现在时", "一般过去时", "现在进行时", "一般将来时"), None, tense_choice
    ),
    Gen(
        "英语",
        "初中",
        ("形容词比较级",),
        (8, "Unit 3 I'm more outgoing than my sister."),
        comparative,
    ),
    Gen(
        "英语", "初中", ("形容词最高级",), (8, "Unit 4 What's the best movie theater?"), superlative
    ),
    Gen("英语", "初中", ("名词复数",), None, plural),
    Gen("英语", "初中", ("时间介词",), None, time_preposition),
    *_bank("初中", _ENGLISH_JUNIOR_BANK),
    *_bank("高中", _ENGLISH_SENIOR_BANK),
    Gen("英语", "高中", ("派生词",), None, word_formation),
    *_poem_gens("初中"),
    *_poem_gens("高中"),
    *_work_gens("初中"),
    *_work_gens("高中"),
    Gen("语文", "初中", ("修辞手法",), None, rhetoric),
]
