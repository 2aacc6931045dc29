"""Physics and chemistry items: computed ones (keys worked out here) and a small bank of
conceptual questions with textbook answers."""

from __future__ import annotations

import math
import random
import re
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from xbt_catalog.seed.data import records, table
from xbt_catalog.seed.items.common import (
    BLANK,
    Gen,
    Item,
    caret_sci,
    fill,
    fmt,
    multiple,
    sci,
    short,
    single,
    sub,
    true_false,
    with_sci,
)

D = Decimal

# ---- physics, 初中 -----------------------------------------------------------------------


def speed(rng: random.Random) -> Item:
    if rng.random() < 0.5:
        v, t = rng.randint(2, 30), rng.randint(5, 120)
        return fill(
            f"一辆汽车在 {t} s 内匀速行驶了 {v * t} m，它的速度是{BLANK}m/s。",
            [[str(v)]],
            f"v = s/t = {v * t} m ÷ {t} s = {v} m/s。",
            1,
        )
    ms = rng.choice((5, 10, 15, 20, 25, 30))
    kmh = D(ms) * D("3.6")
    return fill(
        f"{fmt(kmh)} km/h = {BLANK} m/s。",
        [[str(ms)]],
        f"1 m/s = 3.6 km/h，所以 {fmt(kmh)} km/h = {fmt(kmh)} ÷ 3.6 m/s = {ms} m/s。",
        1,
    )


_DENSITIES = (
    ("铝", D("2.7")),
    ("铁", D("7.9")),
    ("铜", D("8.9")),
    ("铅", D("11.3")),
    ("银", D("10.5")),
)


def density(rng: random.Random) -> Item:
    name, rho = rng.choice(_DENSITIES)
    volume = rng.randint(2, 50)
    mass = rho * volume
    return fill(
        f"一块金属的质量为 {fmt(mass)} g，体积为 {volume} cm³，它的密度是{BLANK}g/cm³。",
        [[fmt(rho)]],
        f"ρ = m/V = {fmt(mass)} g ÷ {volume} cm³ = {fmt(rho)} g/cm³（与{name}的密度相同）。",
        2,
    )


def gravity(rng: random.Random) -> Item:
    m = D(rng.randint(1, 100)) / (10 if rng.random() < 0.5 else 1)
    return fill(
        f"质量为 {fmt(m)} kg 的物体受到的重力是{BLANK}N。（g 取 10 N/kg）",
        [[fmt(m * 10)]],
        f"G = mg = {fmt(m)} kg × 10 N/kg = {fmt(m * 10)} N。",
        1,
    )


def pressure(rng: random.Random) -> Item:
    p = rng.choice((500, 1000, 2000, 2500, 4000, 5000, 8000, 10000))
    area_cm2 = rng.choice((20, 40, 50, 100, 200, 250, 400, 500))
    force = D(p) * D(area_cm2) / 10000
    return fill(
        f"重为 {fmt(force)} N 的物体放在水平桌面上，与桌面的接触面积为 {area_cm2} cm²，"
        f"它对桌面的压强是{BLANK}Pa。",
        [[str(p)]],
        f"F = G = {fmt(force)} N，S = {area_cm2} cm² = {fmt(D(area_cm2) / 10000)} m²，"
        f"p = F/S = {p} Pa。",
        2,
    )


def liquid_pressure(rng: random.Random) -> Item:
    h = D(rng.randint(1, 60)) / 10
    p = h * 10000
    return fill(
        f"水面下 {fmt(h)} m 深处，水产生的压强是{BLANK}Pa。（ρ水 = 1.0×10³ kg/m³，g 取 10 N/kg）",
        [with_sci(p)],
        f"p = ρgh = 1.0×10³ kg/m³ × 10 N/kg × {fmt(h)} m = {fmt(p)} Pa。",
        2,
    )


def buoyancy(rng: random.Random) -> Item:
    v = rng.randint(1, 30) * 100
    f = D(v) / 100
    return fill(
        f"体积为 {v} cm³ 的物体浸没在水中，受到的浮力是{BLANK}N。"
        "（ρ水 = 1.0×10³ kg/m³，g 取 10 N/kg）",
        [[fmt(f)]],
        f"F浮 = ρ水gV排 = 1.0×10³ kg/m³ × 10 N/kg × {v}×10⁻⁶ m³ = {fmt(f)} N。",
        3,
    )


def work_power(rng: random.Random) -> Item:
    force, dist, t = rng.randint(2, 50) * 10, rng.randint(2, 20), rng.choice((2, 4, 5, 10, 20))
    work = force * dist
    power = Fraction(work, t)
    return fill(
        f"用 {force} N 的水平拉力使物体沿拉力方向移动了 {dist} m，用时 {t} s，"
        f"拉力做的功是{BLANK}J，功率是{BLANK}W。",
        [[str(work)], [fmt(power)]],
        f"W = Fs = {force} N × {dist} m = {work} J；P = W/t = {work} J ÷ {t} s = {fmt(power)} W。",
        2,
    )


def lever(rng: random.Random) -> Item | None:
    f1, l1, l2 = rng.randint(1, 20) * 5, rng.randint(2, 12) * 5, rng.randint(1, 10) * 5
    f2 = Fraction(f1 * l1, l2)
    if f2.denominator != 1 or l1 == l2:
        return None
    return fill(
        f"杠杆平衡时，动力为 {f1} N，动力臂为 {l1} cm，阻力臂为 {l2} cm，则阻力为{BLANK}N。",
        [[fmt(f2)]],
        f"由杠杆平衡条件 F₁l₁ = F₂l₂，F₂ = {f1} × {l1} ÷ {l2} = {fmt(f2)} N。",
        2,
    )


def efficiency(rng: random.Random) -> Item:
    eta = rng.choice((50, 60, 75, 80, 90))
    total = rng.randint(2, 20) * 100
    useful = total * eta // 100
    return fill(
        f"用滑轮组提升重物，拉力做的总功为 {total} J，有用功为 {useful} J，"
        f"滑轮组的机械效率为{BLANK}。",
        [[f"{eta}%"]],
        f"η = W有/W总 × 100% = {useful} J ÷ {total} J × 100% = {eta}%。",
        2,
    )


def specific_heat(rng: random.Random) -> Item:
    m = D(rng.choice((1, 2, 3, 5, 10))) / rng.choice((1, 2, 10))
    dt = rng.choice((10, 20, 25, 30, 40, 50, 60, 80))
    q = D(4200) * m * dt
    return fill(
        f"质量为 {fmt(m)} kg 的水，温度升高了 {dt} ℃，吸收的热量是{BLANK}J。"
        "［c水 = 4.2×10³ J/(kg·℃)］",
        [with_sci(q)],
        f"Q吸 = cmΔt = 4.2×10³ J/(kg·℃) × {fmt(m)} kg × {dt} ℃ = {sci(q)} J。",
        2,
    )


def ohm(rng: random.Random) -> Item:
    i = rng.choice((D("0.2"), D("0.3"), D("0.5"), D("1"), D("1.5"), D("2")))
    r = rng.choice((5, 10, 12, 15, 20, 30))
    u = i * r
    return fill(
        f"一个阻值为 {r} Ω 的定值电阻两端的电压为 {fmt(u)} V，通过它的电流是{BLANK}A。",
        [[fmt(i)]],
        f"I = U/R = {fmt(u)} V ÷ {r} Ω = {fmt(i)} A。",
        2,
    )


_PARALLEL = ((6, 3), (12, 6), (10, 10), (20, 30), (4, 12), (60, 30), (15, 10), (20, 5), (30, 15))


def series_parallel(rng: random.Random) -> Item:
    r1, r2 = rng.choice(_PARALLEL)
    if rng.random() < 0.5:
        i = rng.choice((D("0.1"), D("0.2"), D("0.3"), D("0.5")))
        u = i * (r1 + r2)
        return fill(
            f"电阻 R₁ = {r1} Ω 与 R₂ = {r2} Ω 串联在电压为 {fmt(u)} V 的电源两端，"
            f"总电阻为{BLANK}Ω，"
            f"电路中的电流为{BLANK}A。",
            [[str(r1 + r2)], [fmt(i)]],
            f"R = R₁ + R₂ = {r1 + r2} Ω；I = U/R = {fmt(u)} V ÷ {r1 + r2} Ω = {fmt(i)} A。",
            3,
        )
    rp = Fraction(r1 * r2, r1 + r2)
    return fill(
        f"电阻 R₁ = {r1} Ω 与 R₂ = {r2} Ω 并联，并联后的总电阻为{BLANK}Ω。",
        [[fmt(rp)]],
        f"1/R = 1/R₁ + 1/R₂，R = R₁R₂/(R₁ + R₂) = {r1} × {r2} ÷ {r1 + r2} = {fmt(rp)} Ω。",
        3,
    )


def electric_power(rng: random.Random) -> Item:
    i = rng.choice((D("0.5"), D("1"), D("2"), D("4"), D("5"), D("10")))
    p = 220 * i
    hours = rng.choice((D("0.5"), D("1"), D("2"), D("3"), D("5")))
    kwh = p * hours / 1000
    return fill(
        f"一个标有“220 V {fmt(p)} W”的用电器正常工作时，通过它的电流为{BLANK}A，"
        f"工作 {fmt(hours)} h 消耗的电能为{BLANK}kW·h。",
        [[fmt(i)], [fmt(kwh)]],
        f"I = P/U = {fmt(p)} W ÷ 220 V = {fmt(i)} A；"
        f"W = Pt = {fmt(p / 1000)} kW × {fmt(hours)} h = "
        f"{fmt(kwh)} kW·h。",
        2,
    )


def joule(rng: random.Random) -> Item:
    i, r, t = rng.choice((1, 2, 3)), rng.choice((5, 10, 20)), rng.choice((10, 30, 60, 100))
    q = i * i * r * t
    return fill(
        f"阻值为 {r} Ω 的电阻丝通过 {i} A 的电流，通电 {t} s 产生的热量是{BLANK}J。",
        [[str(q)]],
        f"由焦耳定律，Q = I²Rt = ({i} A)² × {r} Ω × {t} s = {q} J。",
        2,
    )


_PHYSICS_JUNIOR_BANK: list[tuple[str, str, list[str], str, tuple[str, ...], tuple[int, str]]] = (
    records(
        "items/science.json",
        "physics_junior",
        "stem",
        "answer",
        "distractors",
        "explanation",
        "knowledge_points",
        "lesson",
    )
)

_PHYSICS_JUNIOR_TF: list[tuple[str, bool, str, tuple[str, ...], tuple[int, str]]] = records(
    "items/science.json",
    "physics_junior_true_false",
    "statement",
    "true",
    "explanation",
    "knowledge_points",
    "lesson",
)

# ---- physics, 高中 -----------------------------------------------------------------------


def uniform_accel_velocity(rng: random.Random) -> Item:
    v0, a, t = rng.randint(0, 10), rng.randint(1, 5), rng.randint(2, 10)
    v = v0 + a * t
    return fill(
        f"一物体以 {v0} m/s 的初速度做匀加速直线运动，"
        f"加速度为 {a} m/s²，{t} s 末的速度为{BLANK}m/s。",
        [[str(v)]],
        f"v = v₀ + at = {v0} + {a} × {t} = {v} m/s。",
        2,
    )


def uniform_accel_displacement(rng: random.Random) -> Item:
    v0, a, t = rng.randint(0, 10), rng.choice((2, 4, 6)), rng.randint(1, 8)
    x = v0 * t + a * t * t // 2
    return fill(
        f"汽车以 {v0} m/s 的初速度开始做匀加速直线运动，"
        f"加速度为 {a} m/s²，前 {t} s 内的位移为{BLANK}m。",
        [[str(x)]],
        f"x = v₀t + ½at² = {v0} × {t} + ½ × {a} × {t}² = {x} m。",
        2,
    )


def free_fall(rng: random.Random) -> Item:
    t = rng.randint(1, 6)
    return fill(
        f"一个小球从高处由静止开始自由下落，经 {t} s 落地，下落的高度为{BLANK}m，"
        f"落地时的速度为{BLANK}m/s。（g 取 10 m/s²，不计空气阻力）",
        [[str(5 * t * t)], [str(10 * t)]],
        f"h = ½gt² = ½ × 10 × {t}² = {5 * t * t} m；v = gt = 10 × {t} = {10 * t} m/s。",
        2,
    )


def newton_second(rng: random.Random) -> Item:
    m, a = rng.randint(1, 10), rng.randint(1, 6)
    f = rng.randint(1, 10)
    force = m * a + f
    return fill(
        f"质量为 {m} kg 的物体在水平面上受到 {force} N 的水平拉力作用，所受滑动摩擦力为 {f} N，"
        f"物体的加速度大小为{BLANK}m/s²。",
        [[str(a)]],
        f"由牛顿第二定律，F - f = ma，a = ({force} - {f}) ÷ {m} = {a} m/s²。",
        3,
    )


def kinetic_energy(rng: random.Random) -> Item:
    m, v = rng.choice((1, 2, 4, 5, 10, 20, 50)), rng.randint(1, 20)
    ek = Fraction(m * v * v, 2)
    return fill(
        f"质量为 {m} kg 的物体以 {v} m/s 的速度运动，它的动能为{BLANK}J。",
        [[fmt(ek)]],
        f"Ek = ½mv² = ½ × {m} × {v}² = {fmt(ek)} J。",
        1,
    )


def energy_conservation(rng: random.Random) -> Item:
    v = rng.choice((2, 4, 6, 8, 10, 12, 16, 20, 30))
    h = D(v * v) / 20
    return fill(
        f"一个小球从 {fmt(h)} m 高处由静止释放，不计空气阻力，"
        f"落地时的速度大小为{BLANK}m/s。（g 取 10 m/s²）",
        [[str(v)]],
        f"由机械能守恒，mgh = ½mv²，v = √(2gh) = √(2 × 10 × {fmt(h)}) = {v} m/s。",
        3,
    )


def centripetal(rng: random.Random) -> Item | None:
    m, v, r = rng.randint(1, 5), rng.randint(1, 10), rng.choice((1, 2, 4, 5))
    f = Fraction(m * v * v, r)
    if f.denominator != 1:
        return None
    return fill(
        f"质量为 {m} kg 的小球在光滑水平面上以 {v} m/s 的速率做半径为 {r} m 的匀速圆周运动，"
        f"所需向心力大小为{BLANK}N。",
        [[fmt(f)]],
        f"F = mv²/r = {m} × {v}² ÷ {r} = {fmt(f)} N。",
        2,
    )


def closed_circuit(rng: random.Random) -> Item:
    e = rng.choice((3, 6, 9, 12))
    r = rng.choice((D("0.5"), D("1"), D("2")))
    big_r = rng.choice((D("2.5"), D("5"), D("11"), D("4"), D("1")))
    i = D(e) / (big_r + r)
    if i != i.quantize(D("0.01")):
        big_r, r = D(5), D(1)
        i = D(e) / (big_r + r)
    u = i * big_r
    return fill(
        f"电源电动势 E = {e} V，内阻 r = {fmt(r)} Ω，外电路电阻 R = {fmt(big_r)} Ω，"
        f"电路中的电流为{BLANK}A，路端电压为{BLANK}V。",
        [[fmt(i)], [fmt(u)]],
        f"I = E/(R + r) = {e} ÷ ({fmt(big_r)} + {fmt(r)}) = {fmt(i)} A；U = IR = {fmt(u)} V。",
        3,
    )


def momentum_conservation(rng: random.Random) -> Item | None:
    m1, m2, v1 = rng.randint(1, 5), rng.randint(1, 5), rng.randint(2, 12)
    v = Fraction(m1 * v1, m1 + m2)
    if v.denominator != 1:
        return None
    return fill(
        f"光滑水平面上，质量为 {m1} kg 的小车以 {v1} m/s 的速度与静止的、"
        f"质量为 {m2} kg 的小车相碰，"
        f"碰后两车粘在一起运动，共同速度为{BLANK}m/s。",
        [[fmt(v)]],
        f"由动量守恒，m₁v₁ = (m₁ + m₂)v，v = {m1} × {v1} ÷ {m1 + m2} = {fmt(v)} m/s。",
        3,
    )


def wave_speed(rng: random.Random) -> Item:
    lam, f = rng.choice((D("0.5"), D("1"), D("2"), D("4"))), rng.choice((2, 5, 10, 20, 50))
    return fill(
        f"一列简谐横波的波长为 {fmt(lam)} m，频率为 {f} Hz，它的波速为{BLANK}m/s。",
        [[fmt(lam * f)]],
        f"v = λf = {fmt(lam)} × {f} = {fmt(lam * f)} m/s。",
        2,
    )


def transformer(rng: random.Random) -> Item:
    u1 = 220
    n1 = rng.choice((1100, 2200, 4400))
    n2 = rng.choice((55, 110, 180, 220))
    u2 = Fraction(u1 * n2, n1)
    return fill(
        f"理想变压器原线圈 {n1} 匝、副线圈 {n2} 匝，"
        f"原线圈接 220 V 交流电，副线圈两端电压为{BLANK}V。",
        [[fmt(D(u2.numerator) / D(u2.denominator))]],
        f"U₁/U₂ = n₁/n₂，U₂ = 220 × {n2} ÷ {n1} = {fmt(D(u2.numerator) / D(u2.denominator))} V。",
        2,
    )


_PHYSICS_SENIOR_BANK: list[tuple[str, str, list[str], str, tuple[str, ...], tuple[int, str]]] = (
    records(
        "items/science.json",
        "physics_senior",
        "stem",
        "answer",
        "distractors",
        "explanation",
        "knowledge_points",
        "lesson",
    )
)

_PHYSICS_SENIOR_TF: list[tuple[str, bool, str, tuple[str, ...], tuple[int, str]]] = records(
    "items/science.json",
    "physics_senior_true_false",
    "statement",
    "true",
    "explanation",
    "knowledge_points",
    "lesson",
)

# ---- chemistry -------------------------------------------------------------------------

ATOMIC_MASS: dict[str, Decimal] = {
    "H": D(1),
    "C": D(12),
    "N": D(14),
    "O": D(16),
    "Na": D(23),
    "Mg": D(24),
    "Al": D(27),
    "Si": D(28),
    "P": D(31),
    "S": D(32),
    "Cl": D("35.5"),
    "K": D(39),
    "Ca": D(40),
    "Cr": D(52),
    "Mn": D(55),
    "Fe": D(56),
    "Cu": D(64),
    "Zn": D(65),
    "Ag": D(108),
    "Ba": D(137),
}
ELEMENT_NAMES = {
    "H": "氢",
    "C": "碳",
    "N": "氮",
    "O": "氧",
    "Na": "钠",
    "Mg": "镁",
    "Al": "铝",
    "Si": "硅",
    "P": "磷",
    "S": "硫",
    "Cl": "氯",
    "K": "钾",
    "Ca": "钙",
    "Cr": "铬",
    "Mn": "锰",
    "Fe": "铁",
    "Cu": "铜",
    "Zn": "锌",
    "Ag": "银",
    "Ba": "钡",
}
_TOKEN = re.compile(r"([A-Z][a-z]?|\(|\)|\d+)")


def composition(formula: str) -> Counter[str]:
    """Atoms in a formula such as Ca(OH)2 or CO(NH2)2."""
    stack: list[Counter[str]] = [Counter()]
    tokens = _TOKEN.findall(formula)
    if "".join(tokens) != formula:
        raise ValueError(formula)
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok == "(":
            stack.append(Counter())
            i += 1
            continue
        has_count = i + 1 < len(tokens) and tokens[i + 1].isdigit()
        count = int(tokens[i + 1]) if has_count else 1
        if tok == ")":
            group = stack.pop()
            for el, n in group.items():
                stack[-1][el] += n * count
        else:
            stack[-1][tok] += count
        i += 2 if has_count else 1
    assert len(stack) == 1, formula
    return stack[0]


def molar_mass(formula: str) -> Decimal:
    return sum((ATOMIC_MASS[el] * n for el, n in composition(formula).items()), D(0))


def pretty(formula: str) -> str:
    return re.sub(r"(?<=[A-Za-z)])(\d+)", lambda m: sub(m.group(1)), formula)


_COMPOUNDS = records("items/science.json", "compounds", "formula", "name")


def relative_molecular_mass(rng: random.Random) -> Item:
    formula, name = rng.choice(_COMPOUNDS)
    m = molar_mass(formula)
    parts = " + ".join(
        f"{fmt(ATOMIC_MASS[el])} × {n}" if n > 1 else fmt(ATOMIC_MASS[el])
        for el, n in composition(formula).items()
    )
    return fill(
        f"{name}（{pretty(formula)}）的相对分子质量为{BLANK}。"
        "（相对原子质量：H-1 C-12 N-14 O-16 Na-23 Mg-24 Al-27 P-31 S-32 Cl-35.5 "
        "K-39 Ca-40 Mn-55 Fe-56 Cu-64 Zn-65 Ag-108 Ba-137）",
        [[fmt(m)]],
        f"相对分子质量 = {parts} = {fmt(m)}。",
        1,
    )


def mass_fraction(rng: random.Random) -> Item:
    formula, name = rng.choice(_COMPOUNDS)
    comp = composition(formula)
    el = rng.choice(sorted(comp))
    m = molar_mass(formula)
    pct = (ATOMIC_MASS[el] * comp[el] * 100 / m).quantize(D("0.1"), rounding=ROUND_HALF_UP)
    return fill(
        f"{name}（{pretty(formula)}）中{ELEMENT_NAMES[el]}元素的质量分数为{BLANK}。"
        "（结果精确到 0.1%）",
        [list(dict.fromkeys([f"{format(pct, 'f')}%", f"{fmt(pct)}%"]))],
        f"{ELEMENT_NAMES[el]}元素的质量分数 = {fmt(ATOMIC_MASS[el])} × {comp[el]} ÷ {fmt(m)}"
        f" × 100% ≈ {format(pct, 'f')}%。",
        2,
    )


def mass_ratio(rng: random.Random) -> Item | None:
    formula, name = rng.choice(_COMPOUNDS)
    comp = composition(formula)
    if len(comp) > 3:
        return None
    els = list(comp)
    masses = [Fraction(ATOMIC_MASS[el] * comp[el]) for el in els]
    # Scale to the smallest whole-number ratio.
    denom = math.lcm(*(x.denominator for x in masses))
    ints = [int(x * denom) for x in masses]
    g = math.gcd(*ints)
    ratio = ":".join(str(x // g) for x in ints)
    names = "、".join(ELEMENT_NAMES[el] for el in els)
    products = [f"{fmt(ATOMIC_MASS[el])}×{comp[el]}" for el in els]
    return fill(
        f"{name}（{pretty(formula)}）中{names}元素的质量比为{BLANK}。（填最简整数比）",
        [[ratio]],
        f"各元素的质量比 = {' : '.join(products)} = {ratio}。",
        2,
    )


_FIXED_VALENCE = {"H": 1, "O": -2, "K": 1, "Na": 1, "Ca": 2, "Mg": 2, "Ba": 2}
_VALENCE_FORMULAS = records("items/science.json", "valence_formulas", "formula", "element")


def valence(rng: random.Random) -> Item:
    formula, target = rng.choice(_VALENCE_FORMULAS)
    comp = composition(formula)
    known = sum(_FIXED_VALENCE[el] * n for el, n in comp.items() if el != target)
    v = Fraction(-known, comp[target])
    assert v.denominator == 1, formula
    text = f"+{v.numerator}" if v > 0 else str(v.numerator)
    return fill(
        f"{pretty(formula)} 中{ELEMENT_NAMES[target]}元素的化合价为{BLANK}。",
        [[text, text.replace("+", "＋")]],
        f"化合物中各元素正负化合价的代数和为零，设{ELEMENT_NAMES[target]}元素的化合价为 x，"
        f"可得 x = {text}。",
        2,
    )


_REACTIONS = records(
    "items/science.json",
    "reactions",
    "reactant",
    "reactant_coefficient",
    "product",
    "product_coefficient",
    "reactant_name",
    "product_name",
    "how",
    "equation",
)


def equation_mass(rng: random.Random) -> Item:
    r, cr, p, cp, rname, pname, how, eq = rng.choice(_REACTIONS)
    mr, mp = molar_mass(r) * cr, molar_mass(p) * cp
    k = rng.randint(1, 10)
    given = mr * k / 10
    out = mp * k / 10
    return fill(
        f"{fmt(given)} g {rname}{how}，理论上可生成{pname}的质量为{BLANK}g。",
        [[fmt(out)]],
        f"{eq}；{rname}与{pname}的质量比为 {fmt(mr)} : {fmt(mp)}，"
        f"所以生成{pname} {fmt(given)} g × {fmt(mp)} / {fmt(mr)} = {fmt(out)} g。",
        3,
    )


def solution_fraction(rng: random.Random) -> Item:
    p, j = rng.choice((5, 10, 15, 20, 25, 40)), rng.randint(1, 5)
    solute, total = p * j, 100 * j
    return fill(
        f"将 {solute} g 氯化钠完全溶解在 {total - solute} g 水中，"
        f"所得溶液中溶质的质量分数为{BLANK}。",
        [[f"{p}%"]],
        f"溶质的质量分数 = {solute} g ÷ ({solute} g + {total - solute} g) × 100% = {p}%。",
        2,
    )


def dilution(rng: random.Random) -> Item | None:
    m, p1, p2 = rng.choice((50, 100, 200)), rng.choice((20, 30, 40)), rng.choice((5, 10))
    water = Fraction(m * p1, p2) - m
    if water.denominator != 1:
        return None
    return fill(
        f"把 {m} g 溶质质量分数为 {p1}% 的氢氧化钠溶液稀释成 {p2}% 的溶液，需要加水{BLANK}g。",
        [[fmt(water)]],
        f"稀释前后溶质质量不变：{m} g × {p1}% = (m + {m} g) × {p2}%，解得加水 {fmt(water)} g。",
        3,
    )


_ACTIVITY = records("items/science.json", "activity_series", "symbol", "name")
_H = 9


def metal_activity(rng: random.Random) -> Item | None:
    metals = [i for i in range(len(_ACTIVITY)) if i != _H]
    if rng.random() < 0.5:
        picks = rng.sample(metals, 4)
        best = min(picks)
        return single(
            rng,
            "下列金属中，金属活动性最强的是（　　）",
            _ACTIVITY[best][1],
            [_ACTIVITY[i][1] for i in picks if i != best],
            "金属活动性顺序：K Ca Na Mg Al Zn Fe Sn Pb (H) Cu Hg Ag Pt Au，越靠前活动性越强。",
            2,
        )
    picks = rng.sample([i for i in metals if i > 2], 4)
    choices = [(_ACTIVITY[i][1], i < _H) for i in picks]
    return multiple(
        rng,
        "下列金属中，能与稀盐酸反应生成氢气的有（　　）",
        choices,
        "在金属活动性顺序中，位于氢前面的金属能置换出盐酸、稀硫酸中的氢。",
        2,
    )


_PHYS_CHANGES = table("items/science.json", "physical_changes")
_CHEM_CHANGES = table("items/science.json", "chemical_changes")


def change_kind(rng: random.Random) -> Item:
    chem = rng.random() < 0.5
    what = rng.choice(_CHEM_CHANGES if chem else _PHYS_CHANGES)
    claim = rng.choice(("物理变化", "化学变化"))
    real = "化学变化" if chem else "物理变化"
    return true_false(
        f"判断：“{what}”属于{claim}。",
        claim == real,
        f"“{what}”{'有新物质生成' if chem else '没有新物质生成'}，属于{real}。",
        1,
    )


_CHEM_JUNIOR_BANK: list[tuple[str, str, list[str], str, tuple[str, ...], tuple[int, str]]] = (
    records(
        "items/science.json",
        "chemistry_junior",
        "stem",
        "answer",
        "distractors",
        "explanation",
        "knowledge_points",
        "lesson",
    )
)


def amount_of_substance(rng: random.Random) -> Item:
    formula, name = rng.choice(_COMPOUNDS[:30])
    n = rng.choice((D("0.1"), D("0.2"), D("0.25"), D("0.5"), D("1"), D("1.5"), D("2")))
    m = molar_mass(formula) * n
    return fill(
        f"{fmt(m)} g {name}（{pretty(formula)}）的物质的量为{BLANK}mol。",
        [[fmt(n)]],
        f"M({pretty(formula)}) = {fmt(molar_mass(formula))} g/mol，n = m/M = {fmt(m)} g ÷ "
        f"{fmt(molar_mass(formula))} g/mol = {fmt(n)} mol。",
        2,
    )


_GASES = records("items/science.json", "gases", "formula", "name")


def gas_volume(rng: random.Random) -> Item:
    formula, name = rng.choice(_GASES)
    n = rng.choice((D("0.1"), D("0.25"), D("0.5"), D("1"), D("2"), D("3")))
    v = D("22.4") * n
    m = molar_mass(formula) * n
    return fill(
        f"标准状况下，{fmt(v)} L {name}的物质的量为{BLANK}mol，质量为{BLANK}g。",
        [[fmt(n)], [fmt(m)]],
        f"n = V/Vm = {fmt(v)} L ÷ 22.4 L/mol = {fmt(n)} mol；m = nM = {fmt(n)} mol × "
        f"{fmt(molar_mass(formula))} g/mol = {fmt(m)} g。",
        2,
    )


def molarity(rng: random.Random) -> Item:
    c = rng.choice((D("0.1"), D("0.2"), D("0.5"), D("1"), D("2")))
    v = rng.choice((100, 250, 500, 1000))
    m = D(40) * c * v / 1000
    return fill(
        f"将 {fmt(m)} g NaOH 固体溶于水配成 {v} mL 溶液，所得溶液的物质的量浓度为{BLANK}mol/L。",
        [[fmt(c)]],
        f"n(NaOH) = {fmt(m)} g ÷ 40 g/mol = {fmt(m / 40)} mol，c = n/V = {fmt(m / 40)} mol ÷ "
        f"{fmt(D(v) / 1000)} L = {fmt(c)} mol/L。",
        2,
    )


def avogadro(rng: random.Random) -> Item:
    n = rng.choice((D("0.1"), D("0.2"), D("0.5"), D("1.5"), D("2"), D("3")))
    count = D("6.02E23") * n
    text = sci(count)
    return fill(
        f"{fmt(n)} mol H₂O 中约含有{BLANK}个水分子。（N_A 取 6.02×10²³ mol⁻¹）",
        [[text, caret_sci(count)]],
        f"N = n·N_A = {fmt(n)} mol × 6.02×10²³ mol⁻¹ = {text}。",
        2,
    )


def ph_value(rng: random.Random) -> Item:
    k = rng.randint(1, 4)
    c = D(1).scaleb(-k)
    if rng.random() < 0.5:
        return fill(
            f"常温下，{fmt(c)} mol/L 的盐酸的 pH = {BLANK}。",
            [[str(k)]],
            f"HCl 完全电离，c(H⁺) = {fmt(c)} mol/L = 10⁻{k} mol/L，pH = {k}。",
            2,
        )
    return fill(
        f"常温下，{fmt(c)} mol/L 的 NaOH 溶液的 pH = {BLANK}。",
        [[str(14 - k)]],
        f"c(OH⁻) = 10⁻{k} mol/L，c(H⁺) = Kw/c(OH⁻) = 10⁻{14 - k} mol/L，pH = {14 - k}。",
        3,
    )


_PERIOD3 = ["钠", "镁", "铝", "硅", "磷", "硫", "氯"]
_GROUP1 = ["锂", "钠", "钾", "铷"]
_GROUP17 = ["氟", "氯", "溴", "碘"]


def periodic_trend(rng: random.Random) -> Item | None:
    kind = rng.randrange(4)
    if kind == 0:
        picks = sorted(rng.sample(range(len(_PERIOD3)), 4))
        names = [_PERIOD3[i] for i in picks]
        return single(
            rng,
            "下列第三周期元素中，原子半径最大的是（　　）",
            names[0],
            names[1:],
            "同周期主族元素从左到右，原子半径逐渐减小。",
            2,
        )
    if kind == 1:
        picks = sorted(rng.sample(range(3, len(_PERIOD3)), 4))
        names = [_PERIOD3[i] for i in picks]
        return single(
            rng,
            "下列第三周期元素中，非金属性最强的是（　　）",
            names[-1],
            names[:-1],
            "同周期主族元素从左到右，非金属性逐渐增强。",
            2,
        )
    if kind == 2:
        return single(
            rng,
            "下列碱金属元素中，金属性最强的是（　　）",
            _GROUP1[-1],
            _GROUP1[:-1],
            "同主族元素从上到下，金属性逐渐增强。",
            2,
        )
    return single(
        rng,
        "下列卤族元素中，非金属性最强的是（　　）",
        _GROUP17[0],
        _GROUP17[1:],
        "同主族元素从上到下，非金属性逐渐减弱。",
        2,
    )


_CHEM_SENIOR_TF: list[tuple[str, bool, str, tuple[str, ...], tuple[int, str]]] = records(
    "items/science.json",
    "chemistry_senior_true_false",
    "statement",
    "true",
    "explanation",
    "knowledge_points",
    "lesson",
)


def _bank(
    subject: str,
    stage: str,
    rows: list[tuple[str, str, list[str], str, tuple[str, ...], tuple[int, str]]],
) -> list[Gen]:
    def maker(row: tuple[str, str, list[str], str, tuple[str, ...], tuple[int, str]]) -> Gen:
        stem, correct, distractors, why, kps, lesson = row
        return Gen(
            subject,
            stage,
            kps,
            lesson,
            lambda rng: single(rng, stem, correct, list(distractors), why, 2),
        )

    return [maker(r) for r in rows]


def _tf_bank(
    subject: str, stage: str, rows: list[tuple[str, bool, str, tuple[str, ...], tuple[int, str]]]
) -> list[Gen]:
    def maker(row: tuple[str, bool, str, tuple[str, ...], tuple[int, str]]) -> Gen:
        stem, value, why, kps, lesson = row
        return Gen(
            subject, stage, kps, lesson, lambda rng: true_false(f"判断：{stem}", value, why, 2)
        )

    return [maker(r) for r in rows]


_SHORT: list[tuple[str, str, str, str, tuple[str, ...], tuple[int, str]]] = records(
    "items/science.json",
    "short_answers",
    "subject",
    "stage",
    "stem",
    "answer",
    "knowledge_points",
    "lesson",
)


def _short_bank() -> list[Gen]:
    def maker(row: tuple[str, str, str, str, tuple[str, ...], tuple[int, str]]) -> Gen:
        subject, stage, stem, answer, kps, lesson = row
        return Gen(
            subject, stage, kps, lesson, lambda rng: short(stem, answer, "答案要点：" + answer, 3)
        )

    return [maker(r) for r in _SHORT]


GENS: list[Gen] = [
    *_short_bank(),
    Gen("物理", "初中", ("速度",), (8, "运动的快慢"), speed),
    Gen("物理", "初中", ("密度",), (8, "第2节 密度"), density),
    Gen("物理", "初中", ("重力",), (8, "第3节 重力"), gravity),
    Gen("物理", "初中", ("固体压强",), (8, "第1节 压强"), pressure),
    Gen("物理", "初中", ("液体压强",), (8, "液体的压强"), liquid_pressure),
    Gen("物理", "初中", ("浮力与阿基米德原理",), (8, "阿基米德原理"), buoyancy),
    Gen("物理", "初中", ("功", "功率"), (8, "第2节 功率"), work_power),
    Gen("物理", "初中", ("杠杆",), (8, "杠杆"), lever),
    Gen("物理", "初中", ("机械效率",), (8, "机械效率"), efficiency),
    Gen("物理", "初中", ("比热容",), (9, "比热容"), specific_heat),
    Gen("物理", "初中", ("欧姆定律",), (9, "第2节 欧姆定律"), ohm),
    Gen(
        "物理",
        "初中",
        ("电阻的串联与并联",),
        (9, "欧姆定律在串、并联电路中的应用"),
        series_parallel,
    ),
    Gen("物理", "初中", ("电功率", "电能与电功"), (9, "第2节 电功率"), electric_power),
    Gen("物理", "初中", ("焦耳定律",), (9, "焦耳定律"), joule),
    *_bank("物理", "初中", _PHYSICS_JUNIOR_BANK),
    *_tf_bank("物理", "初中", _PHYSICS_JUNIOR_TF),
    Gen("物理", "高中", ("速度与时间的关系",), (10, "速度与时间的关系"), uniform_accel_velocity),
    Gen(
        "物理", "高中", ("位移与时间的关系",), (10, "位移与时间的关系"), uniform_accel_displacement
    ),
    Gen("物理", "高中", ("自由落体运动",), (10, "自由落体运动"), free_fall),
    Gen("物理", "高中", ("牛顿第二定律",), (10, "3 牛顿第二定律"), newton_second),
    Gen("物理", "高中", ("动能和动能定理",), (10, "动能和动能定理"), kinetic_energy),
    Gen("物理", "高中", ("机械能守恒定律",), (10, "4 机械能守恒定律"), energy_conservation),
    Gen("物理", "高中", ("圆周运动",), (10, "2 向心力"), centripetal),
    Gen("物理", "高中", ("闭合电路的欧姆定律",), (11, "闭合电路的欧姆定律"), closed_circuit),
    Gen("物理", "高中", ("动量守恒定律",), (11, "3 动量守恒定律"), momentum_conservation),
    Gen("物理", "高中", ("机械波",), (11, "波的描述"), wave_speed),
    Gen("物理", "高中", ("变压器",), (12, "变压器"), transformer),
    *_bank("物理", "高中", _PHYSICS_SENIOR_BANK),
    *_tf_bank("物理", "高中", _PHYSICS_SENIOR_TF),
    Gen("化学", "初中", ("相对分子质量",), (9, "化学式与化合价"), relative_molecular_mass),
    Gen("化学", "初中", ("化合物中元素的质量分数",), (9, "化学式与化合价"), mass_fraction),
    Gen("化学", "初中", ("化学式",), (9, "化学式与化合价"), mass_ratio),
    Gen("化学", "初中", ("化合价",), (9, "化学式与化合价"), valence),
    Gen("化学", "初中", ("根据化学方程式的计算",), (9, "利用化学方程式的简单计算"), equation_mass),
    Gen("化学", "初中", ("溶质的质量分数",), (9, "溶液的浓度"), solution_fraction),
    Gen("化学", "初中", ("溶质的质量分数",), (9, "溶液的浓度"), dilution),
    Gen("化学", "初中", ("金属活动性顺序",), (9, "金属的化学性质"), metal_activity),
    Gen("化学", "初中", ("物理变化和化学变化",), (9, "物质的变化和性质"), change_kind),
    *_bank("化学", "初中", _CHEM_JUNIOR_BANK),
    Gen("化学", "高中", ("物质的量与摩尔质量",), (10, "物质的量"), amount_of_substance),
    Gen("化学", "高中", ("气体摩尔体积",), (10, "物质的量"), gas_volume),
    Gen("化学", "高中", ("物质的量浓度",), (10, "物质的量"), molarity),
    Gen("化学", "高中", ("阿伏加德罗常数",), (10, "物质的量"), avogadro),
    Gen("化学", "高中", ("溶液的pH",), (11, "水的电离和溶液的pH"), ph_value),
    Gen("化学", "高中", ("元素周期律",), (10, "元素周期律"), periodic_trend),
    *_tf_bank("化学", "高中", _CHEM_SENIOR_TF),
]
