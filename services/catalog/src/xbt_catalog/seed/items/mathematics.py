"""Mathematics items, generated so that every key is computed, not typed."""

from __future__ import annotations

import math
import random
from decimal import Decimal
from fractions import Fraction

from xbt_catalog.seed.items.common import (
    BLANK,
    Gen,
    Item,
    fill,
    fmt,
    multiple,
    paren,
    poly,
    short,
    single,
    sup,
    true_false,
)


def _nz(rng: random.Random, lo: int, hi: int) -> int:
    while True:
        n = rng.randint(lo, hi)
        if n:
            return n


# ---- 小学 -------------------------------------------------------------------------------


def add_sub_100(rng: random.Random) -> Item:
    a, b = rng.randint(11, 89), rng.randint(11, 89)
    if rng.random() < 0.5 and a + b <= 100:
        return fill(f"计算：{a} + {b} = {BLANK}", [[str(a + b)]], f"{a} + {b} = {a + b}。", 1)
    a, b = max(a, b), min(a, b)
    return fill(f"计算：{a} - {b} = {BLANK}", [[str(a - b)]], f"{a} - {b} = {a - b}。", 1)


def add_sub_10000(rng: random.Random) -> Item:
    a, b = rng.randint(120, 5999), rng.randint(120, 3999)
    if rng.random() < 0.5:
        return fill(
            f"计算：{a} + {b} = {BLANK}",
            [[str(a + b)]],
            f"相同数位对齐，从个位加起，满十进一：{a} + {b} = {a + b}。",
            2,
        )
    a, b = max(a, b), min(a, b)
    return fill(
        f"计算：{a} - {b} = {BLANK}",
        [[str(a - b)]],
        f"相同数位对齐，从个位减起，不够减向前一位借一：{a} - {b} = {a - b}。",
        2,
    )


def times_table(rng: random.Random) -> Item:
    a, b = rng.randint(2, 9), rng.randint(2, 9)
    return fill(
        f"计算：{a} × {b} = {BLANK}", [[str(a * b)]], f"根据乘法口诀，{a} × {b} = {a * b}。", 1
    )


def division_table(rng: random.Random) -> Item:
    a, b = rng.randint(2, 9), rng.randint(2, 9)
    return fill(
        f"计算：{a * b} ÷ {a} = {BLANK}",
        [[str(b)]],
        f"想乘法口诀：{a} × {b} = {a * b}，所以 {a * b} ÷ {a} = {b}。",
        1,
    )


def remainder(rng: random.Random) -> Item:
    d = rng.randint(3, 9)
    q, r = rng.randint(2, 9), rng.randint(1, d - 1)
    n = d * q + r
    return fill(
        f"在横线上填上合适的数：{n} ÷ {d} = {BLANK}……{BLANK}",
        [[str(q)], [str(r)]],
        f"{d} × {q} = {d * q}，{n} - {d * q} = {r}，余数 {r} 比除数 {d} 小。",
        2,
    )


def multi_digit_times(rng: random.Random) -> Item:
    if rng.random() < 0.5:
        a, b = rng.randint(101, 999), rng.randint(2, 9)
    else:
        a, b = rng.randint(12, 99), rng.randint(12, 99)
    return fill(
        f"计算：{a} × {b} = {BLANK}", [[str(a * b)]], f"列竖式计算，{a} × {b} = {a * b}。", 2
    )


def two_digit_division(rng: random.Random) -> Item:
    d, q = rng.randint(12, 49), rng.randint(11, 39)
    return fill(
        f"计算：{d * q} ÷ {d} = {BLANK}",
        [[str(q)]],
        f"试商后验算：{d} × {q} = {d * q}，所以商是 {q}。",
        3,
    )


def decimal_add(rng: random.Random) -> Item:
    a = Decimal(rng.randint(101, 999)) / 100
    b = Decimal(rng.randint(11, 99)) / 10
    if rng.random() < 0.5:
        return fill(
            f"计算：{fmt(a)} + {fmt(b)} = {BLANK}",
            [[fmt(a + b)]],
            f"小数点对齐后相加：{fmt(a)} + {fmt(b)} = {fmt(a + b)}。",
            2,
        )
    a, b = max(a, b), min(a, b)
    return fill(
        f"计算：{fmt(a)} - {fmt(b)} = {BLANK}",
        [[fmt(a - b)]],
        f"小数点对齐后相减：{fmt(a)} - {fmt(b)} = {fmt(a - b)}。",
        2,
    )


def decimal_times(rng: random.Random) -> Item:
    a = Decimal(rng.randint(11, 99)) / 10
    b = Decimal(rng.choice((2, 4, 5, 6, 8, 12, 15, 25, 35, 45))) / 10
    return fill(
        f"计算：{fmt(a)} × {fmt(b)} = {BLANK}",
        [[fmt(a * b)]],
        f"先按整数乘法计算，再看因数中一共有几位小数：{fmt(a)} × {fmt(b)} = {fmt(a * b)}。",
        3,
    )


def fraction_add(rng: random.Random) -> Item:
    a = Fraction(rng.randint(1, 4), rng.randint(2, 9))
    b = Fraction(rng.randint(1, 4), rng.randint(2, 9))
    if a.denominator == 1 or b.denominator == 1:
        a, b = Fraction(1, 3), Fraction(1, 4)
    if rng.random() < 0.5 or a <= b:
        return fill(
            f"计算：{fmt(a)} + {fmt(b)} = {BLANK}",
            [[fmt(a + b)]],
            f"先通分再相加，结果化成最简分数：{fmt(a)} + {fmt(b)} = {fmt(a + b)}。",
            3,
        )
    return fill(
        f"计算：{fmt(a)} - {fmt(b)} = {BLANK}",
        [[fmt(a - b)]],
        f"先通分再相减，结果化成最简分数：{fmt(a)} - {fmt(b)} = {fmt(a - b)}。",
        3,
    )


def fraction_times(rng: random.Random) -> Item:
    a = Fraction(rng.randint(1, 8), rng.randint(2, 9))
    b = Fraction(rng.randint(1, 8), rng.randint(2, 9))
    if a.denominator == 1 or b.denominator == 1:
        a, b = Fraction(2, 3), Fraction(3, 4)
    return fill(
        f"计算：{fmt(a)} × {fmt(b)} = {BLANK}",
        [[fmt(a * b)]],
        f"分子乘分子，分母乘分母，能约分的先约分：{fmt(a)} × {fmt(b)} = {fmt(a * b)}。",
        3,
    )


def simple_equation(rng: random.Random) -> Item:
    x, a = rng.randint(2, 20), rng.randint(2, 9)
    b = rng.randint(1, 30)
    return fill(
        f"解方程：{a}x + {b} = {a * x + b}，x = {BLANK}",
        [[str(x)]],
        f"方程两边同时减去 {b}，得 {a}x = {a * x}；两边同时除以 {a}，得 x = {x}。",
        2,
    )


def rectangle(rng: random.Random) -> Item:
    a, b = rng.randint(5, 20), rng.randint(2, 12)
    if a == b:
        a += 1
    return fill(
        f"一个长方形长 {a} 厘米，宽 {b} 厘米，它的面积是{BLANK}平方厘米，周长是{BLANK}厘米。",
        [[str(a * b)], [str(2 * (a + b))]],
        f"面积 = 长 × 宽 = {a} × {b} = {a * b}（平方厘米）；周长 = (长 + 宽) × 2 = "
        f"({a} + {b}) × 2 = {2 * (a + b)}（厘米）。",
        2,
    )


def circle_area(rng: random.Random) -> Item:
    r = rng.randint(1, 10)
    area = Decimal("3.14") * r * r
    circ = Decimal("3.14") * 2 * r
    return fill(
        f"一个圆的半径是 {r} 厘米，它的周长是{BLANK}厘米，面积是{BLANK}平方厘米。（π 取 3.14）",
        [[fmt(circ)], [fmt(area)]],
        f"C = 2πr = 2 × 3.14 × {r} = {fmt(circ)}（厘米）；"
        f"S = πr² = 3.14 × {r}² = {fmt(area)}（平方厘米）。",
        3,
    )


def percent_of(rng: random.Random) -> Item:
    p = rng.choice((5, 10, 20, 25, 30, 40, 50, 60, 75, 80))
    n = rng.randint(2, 30) * 20
    value = Fraction(n * p, 100)
    return fill(f"{n} 的 {p}% 是{BLANK}。", [[fmt(value)]], f"{n} × {p}% = {fmt(value)}。", 2)


def chicken_rabbit(rng: random.Random) -> Item | None:
    chickens, rabbits = rng.randint(3, 20), rng.randint(3, 20)
    heads, legs = chickens + rabbits, 2 * chickens + 4 * rabbits
    wrong = {rabbits, chickens + 1, chickens - 1, heads - chickens + 2} - {chickens}
    distractors = [str(w) for w in sorted(wrong) if w > 0][:3]
    return single(
        rng,
        f"鸡兔同笼，上有 {heads} 个头，下有 {legs} 只脚。鸡有多少只？",
        str(chickens),
        distractors,
        f"假设全是鸡，有 {2 * heads} 只脚，比实际少 {legs - 2 * heads} 只；每只兔比鸡多 2 只脚，"
        f"所以兔有 {(legs - 2 * heads) // 2} 只，鸡有 {heads} - {rabbits} = {chickens}（只）。",
        3,
    )


def tree_planting(rng: random.Random) -> Item:
    gap = rng.choice((2, 4, 5, 6, 8, 10))
    length = gap * rng.randint(6, 40)
    both = rng.random() < 0.6
    n = length // gap + (1 if both else -1)
    how = "两端都种" if both else "两端都不种"
    return fill(
        f"在一条长 {length} 米的小路一边植树，每隔 {gap} 米种一棵（{how}），一共要种{BLANK}棵。",
        [[str(n)]],
        f"间隔数 = {length} ÷ {gap} = {length // gap}；"
        f"{how}，棵数 = 间隔数 {'+' if both else '-'} 1 = {n}。",
        3,
    )


def triangle_angle_primary(rng: random.Random) -> Item:
    a, b = rng.randint(20, 90), rng.randint(20, 80)
    if a + b >= 170:
        a, b = 50, 60
    return fill(
        f"一个三角形的两个内角分别是 {a}° 和 {b}°，第三个内角是{BLANK}°。",
        [[str(180 - a - b)]],
        f"三角形的内角和是 180°，180° - {a}° - {b}° = {180 - a - b}°。",
        2,
    )


def average(rng: random.Random) -> Item:
    mean = rng.randint(80, 95)
    a, b = rng.randint(-8, 8), rng.randint(-8, 8)
    scores = [mean + a, mean + b, mean - a - b]
    if max(scores) > 100:
        scores = [mean, mean, mean]
    return fill(
        f"小红三次数学测验的成绩分别是 {scores[0]} 分、{scores[1]} 分和 {scores[2]} 分，"
        f"她的平均成绩是{BLANK}分。",
        [[str(mean)]],
        f"平均数 = 总数 ÷ 份数 = ({scores[0]} + {scores[1]} + {scores[2]}) ÷ 3 = {mean}（分）。",
        2,
    )


def compare_fractions(rng: random.Random) -> Item | None:
    a = Fraction(rng.randint(1, 8), rng.randint(2, 9))
    b = Fraction(rng.randint(1, 8), rng.randint(2, 9))
    if a == b or a.denominator == 1 or b.denominator == 1:
        return None
    claim = rng.choice((">", "<"))
    value = a > b if claim == ">" else a < b
    real = ">" if a > b else "<"
    return true_false(
        f"判断：{fmt(a)} {claim} {fmt(b)}。",
        value,
        f"通分后比较：{fmt(a)} {real} {fmt(b)}，所以原说法{'正确' if value else '错误'}。",
        2,
    )


def simplify_ratio(rng: random.Random) -> Item:
    a, b = rng.randint(1, 9), rng.randint(1, 9)
    g = math.gcd(a, b)
    a, b = a // g, b // g
    if a == b:
        a, b = 2, 3
    k = rng.randint(2, 12)
    return fill(
        f"把比化成最简整数比：{a * k} : {b * k} = {BLANK}",
        [[f"{a}:{b}", f"{a} : {b}"]],
        f"比的前项和后项同时除以它们的最大公因数 {k}，得 {a} : {b}。",
        2,
    )


# ---- 初中 -------------------------------------------------------------------------------


def rational_ops(rng: random.Random) -> Item:
    a, b, c = _nz(rng, -12, 12), _nz(rng, -12, 12), _nz(rng, -12, 12)
    value = a + b - c
    return fill(
        f"计算：{paren(a)} + {paren(b)} - {paren(c)} = {BLANK}",
        [[str(value)]],
        f"减去一个数等于加上这个数的相反数：原式 = {a} + {paren(b)} + {paren(-c)} = {value}。",
        1,
    )


def rational_power(rng: random.Random) -> Item:
    base, exp = _nz(rng, -5, 5), rng.randint(2, 4)
    if abs(base) == 1:
        base = -2
    value = base**exp
    return fill(
        f"计算：{paren(base)}{sup(exp)} = {BLANK}",
        [[str(value)]],
        f"{paren(base)}{sup(exp)} 表示 {exp} 个 {paren(base)} 相乘，结果为 {value}"
        f"（负数的{'偶' if exp % 2 == 0 else '奇'}次幂是{'正' if value > 0 else '负'}数）。",
        2,
    )


def linear_equation(rng: random.Random) -> Item:
    x = _nz(rng, -9, 9)
    a, b = _nz(rng, -9, 9), _nz(rng, -15, 15)
    if a in (1, -1):
        a = 3
    c = a * x + b
    return fill(
        f"解方程：{poly((a, 'x'), (b, ''))} = {c}，x = {BLANK}",
        [[str(x)]],
        f"移项，得 {a}x = {c} {'-' if b > 0 else '+'} {abs(b)} = {c - b}；系数化为 1，得 x = {x}。",
        2,
    )


def linear_equation_both_sides(rng: random.Random) -> Item | None:
    x = _nz(rng, -9, 9)
    a, c = rng.randint(2, 9), rng.randint(1, 8)
    if a == c:
        return None
    b = _nz(rng, -12, 12)
    d = a * x + b - c * x
    stem = f"解方程：{poly((a, 'x'), (b, ''))} = {poly((c, 'x'), (d, ''))}，x = {BLANK}"
    return fill(
        stem,
        [[str(x)]],
        f"移项，得 {a}x - {c}x = {d} - {paren(b)}；合并同类项，得 {a - c}x = {d - b}；"
        f"系数化为 1，得 x = {x}。",
        2,
    )


def linear_equation_brackets(rng: random.Random) -> Item | None:
    x = _nz(rng, -8, 8)
    a, b = rng.randint(2, 6), _nz(rng, -7, 7)
    c = rng.randint(1, 5)
    if a == c:
        return None
    d = a * (x + b) - c * x
    stem = f"解方程：{a}({poly((1, 'x'), (b, ''))}) = {poly((c, 'x'), (d, ''))}，x = {BLANK}"
    return fill(
        stem,
        [[str(x)]],
        f"去括号，得 {poly((a, 'x'), (a * b, ''))} = {poly((c, 'x'), (d, ''))}；"
        "移项、合并同类项，得 "
        f"{a - c}x = {d - a * b}；系数化为 1，得 x = {x}。",
        3,
    )


def linear_system(rng: random.Random) -> Item | None:
    x, y = rng.randint(-6, 6), rng.randint(-6, 6)
    a1, b1, a2, b2 = (_nz(rng, -5, 5) for _ in range(4))
    if a1 * b2 - a2 * b1 == 0:
        return None
    c1, c2 = a1 * x + b1 * y, a2 * x + b2 * y
    eq1 = f"{poly((a1, 'x'), (b1, 'y'))} = {c1}"
    eq2 = f"{poly((a2, 'x'), (b2, 'y'))} = {c2}"
    return fill(
        f"解方程组：{eq1}，{eq2}，x = {BLANK}，y = {BLANK}",
        [[str(x)], [str(y)]],
        f"用加减消元法消去一个未知数，解得 x = {x}，y = {y}；代入原方程组检验，两个方程都成立。",
        3,
    )


def linear_inequality(rng: random.Random) -> Item | None:
    x0 = rng.randint(-6, 6)
    a = _nz(rng, -5, 5)
    if abs(a) == 1:
        a = -2
    b = _nz(rng, -9, 9)
    c = a * x0 + b
    op = rng.choice((">", "<", "≥", "≤"))
    flip = {">": "<", "<": ">", "≥": "≤", "≤": "≥"}
    res = op if a > 0 else flip[op]
    correct = f"x {res} {x0}"
    distractors = [
        f"x {flip[res]} {x0}",
        f"x {res} {-x0}" if x0 else f"x {res} 1",
        f"x {flip[res]} {-x0}" if x0 else f"x {flip[res]} -1",
    ]
    note = "不等号方向不变" if a > 0 else "不等号方向改变"
    return single(
        rng,
        f"不等式 {poly((a, 'x'), (b, ''))} {op} {c} 的解集是（　　）",
        correct,
        distractors,
        f"移项，得 {a}x {op} {c - b}；两边同除以 {a}，{note}，得 {correct}。",
        2,
    )


def square_roots(rng: random.Random) -> Item:
    n = rng.randint(2, 20)
    return fill(
        f"{n * n} 的平方根是{BLANK}，算术平方根是{BLANK}。",
        [[f"±{n}"], [str(n)]],
        f"因为 (±{n})² = {n * n}，所以 {n * n} 的平方根是 ±{n}，其中正的平方根 {n} 是算术平方根。",
        2,
    )


def expand_product(rng: random.Random) -> Item:
    a, b = _nz(rng, -9, 9), _nz(rng, -9, 9)
    return fill(
        f"计算：(x {'+' if a > 0 else '-'} {abs(a)})(x {'+' if b > 0 else '-'} {abs(b)}) = "
        f"x² + ({BLANK})x + ({BLANK})",
        [[str(a + b)], [str(a * b)]],
        f"(x + p)(x + q) = x² + (p + q)x + pq，这里 p + q = {a + b}，pq = {a * b}。",
        2,
    )


def factorise(rng: random.Random) -> Item | None:
    r1, r2 = _nz(rng, -9, 9), _nz(rng, -9, 9)
    if r1 == r2 or r1 == -r2:
        return None

    def f(p: int, q: int) -> str:
        return f"(x {'+' if p > 0 else '-'} {abs(p)})(x {'+' if q > 0 else '-'} {abs(q)})"

    expr = poly((1, "x²"), (-(r1 + r2), "x"), (r1 * r2, ""))
    correct = f(-r1, -r2)
    return single(
        rng,
        f"把多项式 {expr} 因式分解，结果正确的是（　　）",
        correct,
        [f(r1, r2), f(-r1, r2), f(r1, -r2)],
        f"找两个数，积为 {r1 * r2}，和为 {-(r1 + r2)}："
        f"它们是 {-r1} 和 {-r2}，所以 {expr} = {correct}。",
        3,
    )


def fractional_equation(rng: random.Random) -> Item | None:
    x = _nz(rng, -8, 12)
    b, c = _nz(rng, -6, 6), _nz(rng, 1, 5)
    if x == b:
        return None
    a = c * (x - b)
    if a == 0:
        return None
    return fill(
        f"解分式方程：{a}/(x {'-' if b > 0 else '+'} {abs(b)}) = {c}，x = {BLANK}",
        [[str(x)]],
        f"方程两边同乘 (x {'-' if b > 0 else '+'} {abs(b)})，"
        f"得 {a} = {c}(x {'-' if b > 0 else '+'} {abs(b)})，"
        f"解得 x = {x}；检验：x = {x} 时分母不为 0，所以 x = {x} 是原方程的解。",
        3,
    )


def triangle_angles(rng: random.Random) -> Item:
    a, b = rng.randint(25, 85), rng.randint(25, 85)
    return fill(
        f"在 △ABC 中，∠A = {a}°，∠B = {b}°，则 ∠C = {BLANK}°。",
        [[str(180 - a - b)]],
        f"三角形内角和为 180°，∠C = 180° - {a}° - {b}° = {180 - a - b}°。",
        1,
    )


def polygon_angles(rng: random.Random) -> Item:
    n = rng.randint(5, 16)
    total = (n - 2) * 180
    if rng.random() < 0.5:
        return fill(
            f"{n} 边形的内角和是{BLANK}°。",
            [[str(total)]],
            f"n 边形的内角和为 (n - 2) × 180°，({n} - 2) × 180° = {total}°。",
            2,
        )
    return fill(
        f"一个多边形的内角和是 {total}°，它是{BLANK}边形。",
        [[str(n)]],
        f"由 (n - 2) × 180° = {total}°，解得 n = {n}。",
        2,
    )


_TRIPLES = ((3, 4, 5), (5, 12, 13), (8, 15, 17), (7, 24, 25), (20, 21, 29), (9, 40, 41))


def pythagoras(rng: random.Random) -> Item:
    a, b, c = rng.choice(_TRIPLES)
    k = rng.randint(1, 4)
    a, b, c = a * k, b * k, c * k
    if rng.random() < 0.5:
        return fill(
            f"直角三角形的两条直角边分别为 {a} 和 {b}，则斜边长为{BLANK}。",
            [[str(c)]],
            f"由勾股定理，斜边 = √({a}² + {b}²) = √{c * c} = {c}。",
            2,
        )
    return fill(
        f"直角三角形的斜边长为 {c}，一条直角边长为 {a}，则另一条直角边长为{BLANK}。",
        [[str(b)]],
        f"由勾股定理，另一条直角边 = √({c}² - {a}²) = √{b * b} = {b}。",
        2,
    )


def simplify_radical(rng: random.Random) -> Item:
    k, m = rng.randint(2, 9), rng.choice((2, 3, 5, 6, 7, 10))
    return fill(
        f"化简：√{k * k * m} = {BLANK}",
        [[f"{k}√{m}"]],
        f"√{k * k * m} = √({k}² × {m}) = {k}√{m}。",
        2,
    )


def linear_function(rng: random.Random) -> Item:
    k, b = _nz(rng, -5, 5), rng.randint(-9, 9)
    x1 = rng.randint(-4, 2)
    x2 = x1 + rng.randint(1, 4)
    y1, y2 = k * x1 + b, k * x2 + b
    return fill(
        f"一次函数 y = kx + b 的图象经过点 ({x1}, {y1}) 和 ({x2}, {y2})，"
        f"则 k = {BLANK}，b = {BLANK}。",
        [[str(k)], [str(b)]],
        f"把两点坐标代入得方程组 {y1} = {x1}k + b，{y2} = {x2}k + b，解得 k = {k}，b = {b}。",
        3,
    )


def mean_median(rng: random.Random) -> Item:
    data = sorted(rng.randint(1, 20) for _ in range(rng.choice((5, 7))))
    total = sum(data)
    fix = (-total) % len(data)
    data[-1] += fix
    data.sort()
    mean = sum(data) // len(data)
    median = data[len(data) // 2]
    shown = list(data)
    rng.shuffle(shown)
    return fill(
        f"一组数据 {'，'.join(map(str, shown))} 的平均数是{BLANK}，中位数是{BLANK}。",
        [[str(mean)], [str(median)]],
        f"平均数 = {sum(data)} ÷ {len(data)} = {mean}；把数据从小到大排列为 "
        f"{'，'.join(map(str, data))}，中间的数是 {median}。",
        2,
    )


def quadratic_roots(rng: random.Random) -> Item | None:
    r1, r2 = sorted((rng.randint(-9, 9), rng.randint(-9, 9)))
    if r1 == r2:
        return None
    expr = poly((1, "x²"), (-(r1 + r2), "x"), (r1 * r2, ""))

    def roots(p: int, q: int) -> str:
        p, q = sorted((p, q))
        return f"x₁ = {p}，x₂ = {q}"

    correct = roots(r1, r2)
    distractors = [roots(-r1, -r2), roots(r1, -r2), roots(-r1, r2), roots(r1 + 1, r2 + 1)]
    distractors = [d for d in dict.fromkeys(distractors) if d != correct]
    return single(
        rng,
        f"方程 {expr} = 0 的根是（　　）",
        correct,
        distractors,
        f"因式分解得 ({poly((1, 'x'), (-r1, ''))})({poly((1, 'x'), (-r2, ''))}) = 0，"
        f"所以 {correct}。",
        3,
    )


def discriminant(rng: random.Random) -> Item | None:
    b, c = rng.randint(-8, 8), rng.randint(-9, 9)
    d = b * b - 4 * c
    expr = poly((1, "x²"), (b, "x"), (c, ""))
    kinds = ["有两个不相等的实数根", "有两个相等的实数根", "没有实数根", "无法确定"]
    correct = kinds[0] if d > 0 else kinds[1] if d == 0 else kinds[2]
    return single(
        rng,
        f"关于 x 的方程 {expr} = 0 的根的情况是（　　）",
        correct,
        [k for k in kinds if k != correct],
        f"Δ = b² - 4ac = {paren(b)}² - 4 × 1 × {paren(c)} = {d}，"
        f"{'Δ > 0' if d > 0 else 'Δ = 0' if d == 0 else 'Δ < 0'}，所以方程{correct}。",
        3,
    )


def parabola_vertex(rng: random.Random) -> Item | None:
    a = rng.choice((1, 1, -1, 2))
    h, k = rng.randint(-5, 5), rng.randint(-9, 9)
    expr = poly((a, "x²"), (-2 * a * h, "x"), (a * h * h + k, ""))
    correct = f"({h}, {k})"
    distractors = [f"({-h}, {k})", f"({h}, {-k})", f"({-h}, {-k})"]
    if h == 0 or k == 0:
        return None
    return single(
        rng,
        f"抛物线 y = {expr} 的顶点坐标是（　　）",
        correct,
        distractors,
        f"配方得 y = {'' if a == 1 else '-' if a == -1 else a}({poly((1, 'x'), (-h, ''))})² "
        f"{'+' if k > 0 else '-'} {abs(k)}，所以顶点坐标为 {correct}。",
        3,
    )


def ball_probability(rng: random.Random) -> Item:
    red, white = rng.randint(1, 9), rng.randint(1, 9)
    p = Fraction(red, red + white)
    return fill(
        f"一个不透明的袋子中装有 {red} 个红球和 {white} 个白球，这些球除颜色外都相同。"
        f"从中随机摸出一个球，摸到红球的概率是{BLANK}。",
        [[fmt(p)]],
        f"共有 {red + white} 种等可能的结果，其中摸到红球的有 {red} 种，P = {red}/{red + white}"
        f"{'' if p.denominator == red + white else f' = {fmt(p)}'}。",
        2,
    )


def inverse_proportion(rng: random.Random) -> Item:
    x, y = _nz(rng, -6, 6), _nz(rng, -6, 6)
    return fill(
        f"反比例函数 y = k/x 的图象经过点 ({x}, {y})，则 k = {BLANK}。",
        [[str(x * y)]],
        f"把点的坐标代入 y = k/x，得 k = xy = {x} × {paren(y)} = {x * y}。",
        2,
    )


def arc_length(rng: random.Random) -> Item | None:
    n = rng.choice((30, 45, 60, 90, 120, 135, 150, 180))
    r = rng.choice((2, 3, 4, 6, 8, 9, 12))
    coef = Fraction(n * r, 180)
    if coef.denominator != 1:
        return None
    c = coef.numerator
    text = "π" if c == 1 else f"{c}π"
    return fill(
        f"半径为 {r}、圆心角为 {n}° 的扇形的弧长是{BLANK}。（结果保留 π）",
        [[text]],
        f"l = nπr/180 = {n} × π × {r} / 180 = {text}。",
        3,
    )


def irrational_multi(rng: random.Random) -> Item | None:
    pool = [
        ("π", True),
        ("√2", True),
        ("√3", True),
        ("-√5", True),
        ("π/2", True),
        ("0.1010010001…（相邻两个1之间依次多一个0）", True),
        ("1/3", False),
        ("0.5", False),
        ("√9", False),
        ("22/7", False),
        ("∛8", False),
        ("3.14", False),
        ("√16", False),
        ("-2", False),
    ]
    picks = rng.sample(pool, 4)
    if sum(ok for _, ok in picks) < 2 or all(ok for _, ok in picks):
        return None
    right = "、".join(t for t, ok in picks if ok)
    return multiple(
        rng,
        "下列各数中，是无理数的有（　　）",
        picks,
        f"无限不循环小数叫做无理数，开方开不尽的数和 π 都是无理数。本题中的无理数是：{right}。",
        2,
    )


_TRIG = {
    ("sin", 30): "1/2",
    ("sin", 45): "√2/2",
    ("sin", 60): "√3/2",
    ("cos", 30): "√3/2",
    ("cos", 45): "√2/2",
    ("cos", 60): "1/2",
    ("tan", 30): "√3/3",
    ("tan", 45): "1",
    ("tan", 60): "√3",
}


def trig_special(rng: random.Random) -> Item:
    (fn, deg), value = rng.choice(list(_TRIG.items()))
    claim = (
        value
        if rng.random() < 0.5
        else rng.choice([v for v in dict.fromkeys(_TRIG.values()) if v != value])
    )
    ok = claim == value
    return true_false(
        f"判断：{fn} {deg}° = {claim}。",
        ok,
        f"特殊角的三角函数值：{fn} {deg}° = {value}，所以原说法{'正确' if ok else '错误'}。",
        1,
    )


# ---- 高中 -------------------------------------------------------------------------------


def set_ops(rng: random.Random) -> Item | None:
    a = set(rng.sample(range(1, 10), rng.randint(3, 5)))
    b = set(rng.sample(range(1, 10), rng.randint(3, 5)))
    inter, union = a & b, a | b
    if not inter or a == b:
        return None

    def s(x: set[int]) -> str:
        return "{" + ", ".join(map(str, sorted(x))) + "}"

    if rng.random() < 0.5:
        correct, name, distractors = (
            s(inter),
            "A ∩ B",
            [s(union), s(a - b) if a - b else "∅", s(b - a) if b - a else "∅"],
        )
    else:
        correct, name, distractors = s(union), "A ∪ B", [s(inter), s(a), s(b)]
    return single(
        rng,
        f"已知集合 A = {s(a)}，B = {s(b)}，则 {name} =（　　）",
        correct,
        distractors,
        f"{name} 由{'既属于 A 又属于 B' if '∩' in name else '属于 A 或属于 B'}的元素组成，"
        f"所以 {name} = {correct}。",
        1,
    )


def function_value(rng: random.Random) -> Item:
    a, b, c = _nz(rng, -3, 3), rng.randint(-6, 6), rng.randint(-9, 9)
    x = rng.randint(-3, 4)
    value = a * x * x + b * x + c
    return fill(
        f"已知函数 f(x) = {poly((a, 'x²'), (b, 'x'), (c, ''))}，则 f({x}) = {BLANK}。",
        [[str(value)]],
        f"f({x}) = {a} × {paren(x)}² + {b} × {paren(x)} + {paren(c)} = {value}。",
        1,
    )


def logarithm(rng: random.Random) -> Item:
    base = rng.choice((2, 3, 5, 10))
    exp = rng.randint(-2, 5) if base != 10 else rng.randint(-3, 5)
    arg = Fraction(base) ** exp
    name = "lg " if base == 10 else f"log{''.join('₀₁₂₃₄₅₆₇₈₉'[int(d)] for d in str(base))} "
    shown = fmt(arg) if arg.denominator == 1 else f"({fmt(arg)})"
    return fill(
        f"计算：{name}{shown} = {BLANK}",
        [[str(exp)]],
        f"因为 {base}^{exp} = {fmt(arg)}，所以 {name}{shown} = {exp}。",
        2,
    )


def fractional_power(rng: random.Random) -> Item:
    k = rng.randint(2, 5)
    q = rng.choice((2, 3))
    p = rng.randint(1, 3)
    base = k**q
    value = k**p
    return fill(
        f"计算：{base}^({p}/{q}) = {BLANK}",
        [[str(value)]],
        f"{base}^({p}/{q}) = ({k}^{q})^({p}/{q}) = {k}^{p} = {value}。",
        2,
    )


def _trig_exact(fn: str, deg: int) -> str:
    value = math.sin(math.radians(deg)) if fn == "sin" else math.cos(math.radians(deg))
    for candidate, text in (
        (0.0, "0"),
        (0.5, "1/2"),
        (-0.5, "-1/2"),
        (1.0, "1"),
        (-1.0, "-1"),
        (math.sqrt(2) / 2, "√2/2"),
        (-math.sqrt(2) / 2, "-√2/2"),
        (math.sqrt(3) / 2, "√3/2"),
        (-math.sqrt(3) / 2, "-√3/2"),
    ):
        if abs(value - candidate) < 1e-9:
            return text
    raise ValueError((fn, deg))


def trig_values(rng: random.Random) -> Item | None:
    fn = rng.choice(("sin", "cos"))
    deg = rng.choice((120, 135, 150, 210, 225, 240, 300, 315, 330, 180, 270))
    correct = _trig_exact(fn, deg)
    pool = ["1/2", "-1/2", "√2/2", "-√2/2", "√3/2", "-√3/2", "0", "1", "-1"]
    # Distractors: the sign flipped, and the co-function's value.
    other = _trig_exact("cos" if fn == "sin" else "sin", deg)
    flipped = correct[1:] if correct.startswith("-") else f"-{correct}" if correct != "0" else "1"
    distractors = [d for d in dict.fromkeys([flipped, other, *pool]) if d != correct]
    return single(
        rng,
        f"{fn} {deg}° 的值为（　　）",
        correct,
        distractors,
        f"由诱导公式化为锐角三角函数，{fn} {deg}° = {correct}。",
        2,
    )


def dot_product(rng: random.Random) -> Item:
    x1, y1, x2, y2 = (rng.randint(-6, 6) for _ in range(4))
    value = x1 * x2 + y1 * y2
    return fill(
        f"已知向量 a = ({x1}, {y1})，b = ({x2}, {y2})，则 a · b = {BLANK}。",
        [[str(value)]],
        f"a · b = x₁x₂ + y₁y₂ = {x1} × {paren(x2)} + {y1} × {paren(y2)} = {value}。",
        2,
    )


def _complex(re: int, im: int) -> str:
    if im == 0:
        return str(re)
    imag = "i" if im == 1 else "-i" if im == -1 else f"{im}i"
    if re == 0:
        return imag
    return f"{re} {'+' if im > 0 else '-'} {'i' if abs(im) == 1 else f'{abs(im)}i'}"


def complex_product(rng: random.Random) -> Item:
    a, b, c, d = _nz(rng, -5, 5), _nz(rng, -5, 5), _nz(rng, -5, 5), _nz(rng, -5, 5)
    re, im = a * c - b * d, a * d + b * c
    text = _complex(re, im)
    return fill(
        f"计算：({_complex(a, b)})({_complex(c, d)}) = {BLANK}",
        [[text, text.replace(" ", "")]],
        f"按多项式乘法展开并利用 i² = -1：实部 {a} × {paren(c)} - {paren(b)} × {paren(d)} = {re}，"
        f"虚部 {a} × {paren(d)} + {paren(b)} × {paren(c)} = {im}，结果为 {text}。",
        2,
    )


def arithmetic_sequence(rng: random.Random) -> Item:
    a1, d, n = rng.randint(-10, 10), _nz(rng, -5, 6), rng.randint(5, 20)
    an = a1 + (n - 1) * d
    sn = n * (a1 + an) // 2
    return fill(
        f"在等差数列 {{aₙ}} 中，a₁ = {a1}，公差 d = {d}，"
        f"则 a{''.join('₀₁₂₃₄₅₆₇₈₉'[int(c)] for c in str(n))}"
        f" = {BLANK}，前 {n} 项和 S = {BLANK}。",
        [[str(an)], [str(sn)]],
        f"aₙ = a₁ + (n - 1)d = {a1} + {n - 1} × {paren(d)} = {an}；S = n(a₁ + aₙ)/2 = "
        f"{n} × ({a1} + {paren(an)}) / 2 = {sn}。",
        2,
    )


def geometric_sequence(rng: random.Random) -> Item:
    a1, q, n = _nz(rng, -3, 3), rng.choice((-3, -2, 2, 3)), rng.randint(3, 7)
    an = a1 * q ** (n - 1)
    return fill(
        f"在等比数列 {{aₙ}} 中，a₁ = {a1}，公比 q = {q}，则第 {n} 项为{BLANK}。",
        [[str(an)]],
        f"aₙ = a₁qⁿ⁻¹ = {a1} × {paren(q)}^{n - 1} = {an}。",
        2,
    )


def derivative_value(rng: random.Random) -> Item:
    a, b, c, d = _nz(rng, -3, 3), rng.randint(-5, 5), rng.randint(-6, 6), rng.randint(-9, 9)
    x0 = rng.randint(-2, 3)
    value = 3 * a * x0 * x0 + 2 * b * x0 + c
    f = poly((a, "x³"), (b, "x²"), (c, "x"), (d, ""))
    fp = poly((3 * a, "x²"), (2 * b, "x"), (c, ""))
    return fill(
        f"已知 f(x) = {f}，则 f′({x0}) = {BLANK}。",
        [[str(value)]],
        f"f′(x) = {fp}，所以 f′({x0}) = {value}。",
        3,
    )


def combinations(rng: random.Random) -> Item:
    n, k = rng.randint(4, 12), rng.randint(2, 4)
    if rng.random() < 0.5:
        value = math.comb(n, k)
        return fill(
            f"从 {n} 名同学中选出 {k} 名参加志愿服务活动，不同的选法共有{BLANK}种。",
            [[str(value)]],
            f"与顺序无关，是组合问题：C({n}, {k}) = {value}。",
            2,
        )
    value = math.perm(n, k)
    return fill(
        f"从 {n} 名同学中选出 {k} 名分别担任 {k} 项不同的工作，不同的安排方法共有{BLANK}种。",
        [[str(value)]],
        f"与顺序有关，是排列问题：A({n}, {k}) = {value}。",
        2,
    )


def binomial_coefficient(rng: random.Random) -> Item:
    n, a = rng.randint(4, 8), _nz(rng, -3, 3)
    k = rng.randint(1, n - 1)
    value = math.comb(n, k) * a ** (n - k)
    return fill(
        f"(x {'+' if a > 0 else '-'} {abs(a)}){sup(n)} 的展开式中 x{sup(k)} 的系数是{BLANK}。",
        [[str(value)]],
        f"通项 T = C({n}, r)·x^({n}-r)·{paren(a)}^r，令 {n} - r = {k}，得 r = {n - k}，"
        f"系数为 C({n}, {n - k}) × {paren(a)}^{n - k} = {value}。",
        3,
    )


def slope(rng: random.Random) -> Item:
    x1, y1 = rng.randint(-5, 5), rng.randint(-5, 5)
    dx, k = rng.randint(1, 5), _nz(rng, -4, 4)
    x2, y2 = x1 + dx, y1 + k * dx
    return fill(
        f"经过点 A({x1}, {y1})、B({x2}, {y2}) 的直线的斜率为{BLANK}。",
        [[str(k)]],
        f"k = (y₂ - y₁)/(x₂ - x₁) = ({y2} - {paren(y1)})/({x2} - {paren(x1)}) = {k}。",
        1,
    )


def distance(rng: random.Random) -> Item:
    a, b, c = rng.choice(_TRIPLES[:4])
    x1, y1 = rng.randint(-5, 5), rng.randint(-5, 5)
    sx, sy = rng.choice((1, -1)), rng.choice((1, -1))
    x2, y2 = x1 + sx * a, y1 + sy * b
    return fill(
        f"点 A({x1}, {y1}) 与点 B({x2}, {y2}) 之间的距离为{BLANK}。",
        [[str(c)]],
        f"|AB| = √[({x2} - {paren(x1)})² + ({y2} - {paren(y1)})²] = √{c * c} = {c}。",
        2,
    )


def circle_equation(rng: random.Random) -> Item | None:
    a, b, r = _nz(rng, -5, 5), _nz(rng, -5, 5), rng.randint(1, 6)
    if a == b or a == -b:
        return None
    e, f, g = -2 * a, -2 * b, a * a + b * b - r * r
    expr = poly((1, "x²"), (1, "y²"), (e, "x"), (f, "y"), (g, ""))
    correct = f"圆心 ({a}, {b})，半径 {r}"
    distractors = [
        f"圆心 ({-a}, {-b})，半径 {r}",
        f"圆心 ({a}, {b})，半径 {r * r}",
        f"圆心 ({-a}, {-b})，半径 {r * r}",
    ]
    return single(
        rng,
        f"圆 {expr} = 0 的圆心坐标和半径分别是（　　）",
        correct,
        distractors,
        f"配方得 ({poly((1, 'x'), (-a, ''))})² + ({poly((1, 'y'), (-b, ''))})² = {r * r}，"
        f"所以{correct}。",
        2,
    )


_ELLIPSES = (
    (5, 3, 4),
    (5, 4, 3),
    (10, 6, 8),
    (10, 8, 6),
    (13, 5, 12),
    (13, 12, 5),
    (17, 8, 15),
    (25, 7, 24),
)


def ellipse_focus(rng: random.Random) -> Item:
    a, b, c = rng.choice(_ELLIPSES)
    return fill(
        f"椭圆 x²/{a * a} + y²/{b * b} = 1 的长轴长为{BLANK}，焦距为{BLANK}。",
        [[str(2 * a)], [str(2 * c)]],
        f"a² = {a * a}，b² = {b * b}，所以 a = {a}，"
        f"c = √(a² - b²) = {c}；长轴长 2a = {2 * a}，焦距 2c = {2 * c}。",
        2,
    )


def dice_probability(rng: random.Random) -> Item:
    s = rng.randint(2, 12)
    count = sum(1 for i in range(1, 7) for j in range(1, 7) if i + j == s)
    p = Fraction(count, 36)
    return fill(
        f"同时掷两枚质地均匀的骰子，向上的点数之和为 {s} 的概率是{BLANK}。",
        [[fmt(p)]],
        f"基本事件共 36 个，点数之和为 {s} 的有 {count} 个，P = {count}/36 = {fmt(p)}。",
        2,
    )


def binomial_mean(rng: random.Random) -> Item:
    n = rng.choice((5, 10, 20))
    p = Fraction(rng.randint(1, 9), 10)
    mean, var = n * p, n * p * (1 - p)

    def dec(x: Fraction) -> str:
        return fmt(Decimal(x.numerator) / Decimal(x.denominator))

    return fill(
        f"若随机变量 X ~ B({n}, {dec(p)})，则 E(X) = {BLANK}，D(X) = {BLANK}。",
        [[dec(mean)], [dec(var)]],
        f"二项分布 E(X) = np = {dec(mean)}，D(X) = np(1 - p) = {dec(var)}。",
        2,
    )


def am_gm(rng: random.Random) -> Item:
    k = rng.randint(1, 9)
    return fill(
        f"已知 x > 0，则 x + {k * k}/x 的最小值为{BLANK}。",
        [[str(2 * k)]],
        f"由基本不等式，x + {k * k}/x ≥ 2√{k * k} = {2 * k}，当且仅当 x = {k} 时取等号。",
        2,
    )


def travel_problem(rng: random.Random) -> Item:
    v1, v2, t = rng.randint(4, 12) * 5, rng.randint(3, 10) * 5, rng.randint(2, 6)
    s = (v1 + v2) * t
    return short(
        f"甲、乙两地相距 {s} 千米，一辆客车从甲地、"
        f"一辆货车从乙地同时出发相向而行，客车每小时行 {v1} 千米，"
        f"货车每小时行 {v2} 千米。经过几小时两车相遇？（列方程解答）",
        f"解：设经过 x 小时两车相遇。依题意得 {v1}x + {v2}x = {s}，"
        f"即 {v1 + v2}x = {s}，解得 x = {t}。"
        f"答：经过 {t} 小时两车相遇。",
        "相遇问题的等量关系：客车行驶的路程 + 货车行驶的路程 = 两地距离。",
        3,
    )


def work_problem(rng: random.Random) -> Item:
    a, b = rng.choice(((6, 3, 2), (12, 4, 3), (10, 15, 6), (20, 30, 12), (12, 6, 4), (15, 10, 6)))[
        :2
    ]
    t = Fraction(a * b, a + b)
    return short(
        f"一项工程，甲队单独做需要 {a} 天完成，"
        f"乙队单独做需要 {b} 天完成。两队合作，需要几天完成？（列方程解答）",
        f"解：设两队合作需要 x 天完成。依题意得 x/{a} + x/{b} = 1，解得 x = {fmt(t)}。"
        f"答：两队合作需要 {fmt(t)} 天完成。",
        f"把工作总量看作 1，甲队每天完成 1/{a}，乙队每天完成 1/{b}。",
        3,
    )


GENS: list[Gen] = [
    Gen("数学", "初中", ("一元一次方程",), (7, "实际问题与一元一次方程"), travel_problem),
    Gen("数学", "初中", ("一元一次方程",), (7, "实际问题与一元一次方程"), work_problem),
    Gen("数学", "小学", ("整数加减法",), (2, "进位加"), add_sub_100, (1, 2)),
    Gen("数学", "小学", ("整数加减法",), (3, "加法"), add_sub_10000, (3,)),
    Gen("数学", "小学", ("表内乘除法",), (2, "8的乘法口诀"), times_table, (2,)),
    Gen("数学", "小学", ("表内乘除法",), (2, "用7、8、9的乘法口诀求商"), division_table, (2,)),
    Gen("数学", "小学", ("有余数的除法",), (2, "余数与除数的关系"), remainder, (2,)),
    Gen("数学", "小学", ("多位数乘除法",), (3, "笔算乘法"), multi_digit_times, (3,)),
    Gen("数学", "小学", ("多位数乘除法",), (4, "笔算除法"), two_digit_division, (4,)),
    Gen("数学", "小学", ("小数四则运算",), (4, "小数的加法和减法"), decimal_add, (4,)),
    Gen("数学", "小学", ("小数四则运算",), (5, "小数乘小数"), decimal_times, (5,)),
    Gen("数学", "小学", ("分数四则运算",), (5, "异分母分数加、减法"), fraction_add, (5,)),
    Gen("数学", "小学", ("分数四则运算",), (6, "分数乘分数"), fraction_times, (6,)),
    Gen("数学", "小学", ("简易方程",), (5, "解简易方程"), simple_equation, (5,)),
    Gen("数学", "小学", ("周长", "面积"), (3, "长方形、正方形面积的计算"), rectangle, (3,)),
    Gen("数学", "小学", ("圆的周长与面积",), (6, "圆的面积"), circle_area, (6,)),
    Gen("数学", "小学", ("百分数",), (6, "用百分数解决问题"), percent_of, (6,)),
    Gen("数学", "小学", ("鸡兔同笼",), (4, "鸡兔同笼"), chicken_rabbit, (4,)),
    Gen("数学", "小学", ("植树问题",), (5, "植树问题"), tree_planting, (5,)),
    Gen("数学", "小学", ("三角形的内角和",), (4, "三角形的内角和"), triangle_angle_primary, (4,)),
    Gen("数学", "小学", ("平均数",), (4, "平均数"), average, (4,)),
    Gen("数学", "小学", ("分数的认识",), (5, "通分"), compare_fractions, (5,)),
    Gen("数学", "小学", ("比的意义与性质",), (6, "比的基本性质"), simplify_ratio, (6,)),
    Gen("数学", "初中", ("有理数的运算",), (7, "有理数的加减法"), rational_ops),
    Gen("数学", "初中", ("有理数的乘方",), (7, "有理数的乘方"), rational_power),
    Gen("数学", "初中", ("一元一次方程",), (7, "合并同类项与移项"), linear_equation),
    Gen("数学", "初中", ("一元一次方程",), (7, "合并同类项与移项"), linear_equation_both_sides),
    Gen("数学", "初中", ("一元一次方程",), (7, "去括号与去分母"), linear_equation_brackets),
    Gen("数学", "初中", ("二元一次方程组",), (7, "消元——解二元一次方程组"), linear_system),
    Gen("数学", "初中", ("一元一次不等式",), (7, "一元一次不等式"), linear_inequality),
    Gen("数学", "初中", ("实数",), (7, "平方根"), square_roots),
    Gen("数学", "初中", ("整式的乘法",), (8, "整式的乘法"), expand_product),
    Gen("数学", "初中", ("因式分解",), (8, "因式分解"), factorise),
    Gen("数学", "初中", ("分式方程",), (8, "分式方程"), fractional_equation),
    Gen("数学", "初中", ("三角形的内角",), (8, "与三角形有关的角"), triangle_angles),
    Gen("数学", "初中", ("多边形的内角和",), (8, "多边形及其内角和"), polygon_angles),
    Gen("数学", "初中", ("勾股定理",), (8, "17.1 勾股定理"), pythagoras),
    Gen("数学", "初中", ("二次根式",), (8, "二次根式的乘除"), simplify_radical),
    Gen("数学", "初中", ("一次函数",), (8, "19.2 一次函数"), linear_function),
    Gen("数学", "初中", ("数据的集中趋势",), (8, "数据的集中趋势"), mean_median),
    Gen("数学", "初中", ("一元二次方程",), (9, "解一元二次方程"), quadratic_roots),
    Gen("数学", "初中", ("根的判别式", "一元二次方程"), (9, "解一元二次方程"), discriminant),
    Gen("数学", "初中", ("二次函数",), (9, "二次函数的图象和性质"), parabola_vertex),
    Gen("数学", "初中", ("列举法求概率",), (9, "用列举法求概率"), ball_probability),
    Gen("数学", "初中", ("反比例函数",), (9, "26.1 反比例函数"), inverse_proportion),
    Gen("数学", "初中", ("弧长和扇形面积",), (9, "弧长和扇形面积"), arc_length),
    Gen("数学", "初中", ("实数",), (7, "6.3 实数"), irrational_multi),
    Gen("数学", "初中", ("锐角三角函数",), (9, "28.1 锐角三角函数"), trig_special),
    Gen("数学", "高中", ("集合的基本运算",), (10, "集合的基本运算"), set_ops),
    Gen("数学", "高中", ("函数的概念",), (10, "函数的概念及其表示"), function_value),
    Gen("数学", "高中", ("对数与对数函数",), (10, "4.3 对数"), logarithm),
    Gen("数学", "高中", ("指数与指数函数",), (10, "4.1 指数"), fractional_power),
    Gen("数学", "高中", ("三角函数的概念",), (10, "诱导公式"), trig_values),
    Gen("数学", "高中", ("向量的数量积", "向量的坐标运算"), (10, "平面向量的运算"), dot_product),
    Gen("数学", "高中", ("复数的四则运算",), (10, "复数的四则运算"), complex_product),
    Gen("数学", "高中", ("等差数列",), (11, "等差数列"), arithmetic_sequence),
    Gen("数学", "高中", ("等比数列",), (11, "等比数列"), geometric_sequence),
    Gen("数学", "高中", ("导数的运算",), (11, "导数的运算"), derivative_value),
    Gen("数学", "高中", ("排列与组合",), (12, "排列与组合"), combinations),
    Gen("数学", "高中", ("二项式定理",), (12, "二项式定理"), binomial_coefficient),
    Gen("数学", "高中", ("直线的方程",), (11, "直线的倾斜角与斜率"), slope),
    Gen("数学", "高中", ("两点间的距离",), (11, "距离公式"), distance),
    Gen("数学", "高中", ("圆的方程",), (11, "圆的方程"), circle_equation),
    Gen("数学", "高中", ("椭圆",), (11, "3.1 椭圆"), ellipse_focus),
    Gen("数学", "高中", ("古典概型",), (10, "随机事件与概率"), dice_probability),
    Gen("数学", "高中", ("二项分布",), (12, "二项分布与超几何分布"), binomial_mean),
    Gen("数学", "高中", ("基本不等式",), (10, "基本不等式"), am_gm),
]
