"""Physics and chemistry items: computed ones (keys worked out here) and a small bank of
conceptual questions with textbook answers."""

from __future__ import annotations

import math
import random
import re
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from xbt_catalog.demo._items_common import (
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


_PHYSICS_JUNIOR_BANK: list[tuple[str, str, list[str], str, tuple[str, ...], tuple[int, str]]] = [
    (
        "下列现象中，由光的折射形成的是（　　）",
        "插入水中的筷子看起来向上“折断”",
        ["小孔成像", "平静水面上山的倒影", "树荫下的圆形光斑"],
        "筷子“折断”是光从水斜射入空气时发生折射形成的。",
        ("光的折射",),
        (8, "光的折射"),
    ),
    (
        "下列现象中，由光的反射形成的是（　　）",
        "平静水面上山的倒影",
        ["海市蜃楼", "阳光下人的影子", "雨后天空出现彩虹"],
        "倒影是平面镜成像，属于光的反射。",
        ("光的反射",),
        (8, "光的反射"),
    ),
    (
        "寒冷的冬天，窗玻璃内表面出现“冰花”，发生的物态变化是（　　）",
        "凝华",
        ["凝固", "液化", "升华"],
        "室内水蒸气遇冷直接变成固态小冰晶，属于凝华。",
        ("升华和凝华",),
        (8, "升华和凝华"),
    ),
    (
        "夏天从冰箱中取出的饮料瓶，外壁会“出汗”，这是（　　）",
        "液化现象",
        ["汽化现象", "熔化现象", "凝华现象"],
        "空气中的水蒸气遇到冷的瓶壁液化成小水珠。",
        ("汽化和液化",),
        (8, "汽化和液化"),
    ),
    (
        "衣柜里的樟脑丸放久了会变小，这是（　　）",
        "升华现象",
        ["熔化现象", "汽化现象", "凝华现象"],
        "樟脑丸由固态直接变为气态，属于升华。",
        ("升华和凝华",),
        (8, "升华和凝华"),
    ),
    (
        "“闻其声而知其人”主要是根据声音的（　　）来判断的",
        "音色",
        ["音调", "响度", "频率"],
        "不同人发出声音的音色不同。",
        ("声音的特性",),
        (8, "声音的特性"),
    ),
    (
        "在公路两旁安装隔音墙，是在（　　）减弱噪声",
        "传播过程中",
        ["声源处", "人耳处", "声源处和人耳处"],
        "隔音墙阻断了声音的传播路径。",
        ("噪声的控制",),
        (8, "噪声的危害和控制"),
    ),
    (
        "下列实例中，为了增大摩擦的是（　　）",
        "鞋底刻有凹凸不平的花纹",
        ["给自行车车轴加润滑油", "行李箱下面装有轮子", "磁悬浮列车悬浮行驶"],
        "增大接触面的粗糙程度可以增大摩擦。",
        ("摩擦力",),
        (8, "摩擦力"),
    ),
    (
        "下列实例中，为了减小压强的是（　　）",
        "书包带做得较宽",
        ["菜刀的刀刃磨得很锋利", "图钉尖做得很尖", "注射器的针头做得很尖"],
        "增大受力面积可以减小压强。",
        ("固体压强",),
        (8, "第1节 压强"),
    ),
    (
        "下列工具在使用时，属于费力杠杆的是（　　）",
        "筷子",
        ["羊角锤", "开瓶器", "钢丝钳"],
        "筷子的动力臂小于阻力臂，是费力杠杆。",
        ("杠杆",),
        (8, "杠杆"),
    ),
    (
        "家庭电路中，电灯、电视机、电冰箱等用电器之间的连接方式是（　　）",
        "并联",
        ["串联", "有的串联有的并联", "无法确定"],
        "家用电器并联，工作时互不影响。",
        ("家庭电路",),
        (9, "家庭电路"),
    ),
    (
        "发电机的工作原理是（　　）",
        "电磁感应",
        ["电流的磁效应", "磁场对通电导体的作用", "电流的热效应"],
        "闭合电路的一部分导体在磁场中做切割磁感线运动时产生感应电流。",
        ("电动机与发电机",),
        (9, "磁生电"),
    ),
    (
        "下列能源中，属于可再生能源的是（　　）",
        "太阳能",
        ["煤", "石油", "天然气"],
        "太阳能可以源源不断地从自然界获得。",
        ("能源与可持续发展",),
        (9, "第1节 能源"),
    ),
    (
        "汽油机的四个冲程中，将内能转化为机械能的是（　　）",
        "做功冲程",
        ["吸气冲程", "压缩冲程", "排气冲程"],
        "做功冲程中燃气推动活塞做功，内能转化为机械能。",
        ("热机与热机效率",),
        (9, "热机"),
    ),
    (
        "声音在下列介质中传播速度最快的是（　　）",
        "钢铁",
        ["空气", "水", "煤油"],
        "一般情况下，声音在固体中传播最快。",
        ("声音的产生与传播",),
        (8, "声音的产生与传播"),
    ),
]

_PHYSICS_JUNIOR_TF: list[tuple[str, bool, str, tuple[str, ...], tuple[int, str]]] = [
    (
        "物体的运动需要力来维持。",
        False,
        "由牛顿第一定律，力是改变物体运动状态的原因，不是维持运动的原因。",
        ("牛顿第一定律与惯性",),
        (8, "牛顿第一定律"),
    ),
    (
        "声音不能在真空中传播。",
        True,
        "声音的传播需要介质，真空不能传声。",
        ("声音的产生与传播",),
        (8, "声音的产生与传播"),
    ),
    (
        "平面镜所成的像是正立、等大的虚像。",
        True,
        "平面镜成像的特点：正立、等大、虚像。",
        ("平面镜成像",),
        (8, "平面镜成像"),
    ),
    (
        "物体吸收热量，温度一定升高。",
        False,
        "晶体熔化、液体沸腾时吸收热量但温度不变。",
        ("熔化和凝固",),
        (8, "熔化和凝固"),
    ),
    (
        "导体的电阻与导体两端的电压成正比。",
        False,
        "电阻是导体本身的性质，与电压和电流无关。",
        ("电阻",),
        (9, "第3节 电阻"),
    ),
    (
        "一切物体在任何情况下都有惯性。",
        True,
        "惯性是物体的固有属性。",
        ("牛顿第一定律与惯性",),
        (8, "牛顿第一定律"),
    ),
    ("使用任何机械都不能省功。", True, "这就是功的原理。", ("功",), (8, "第1节 功")),
    (
        "电磁波可以在真空中传播。",
        True,
        "电磁波的传播不需要介质。",
        ("电磁波",),
        (9, "电磁波的海洋"),
    ),
    (
        "在任何情况下，水的沸点都是 100 ℃。",
        False,
        "只有在 1 个标准大气压下水的沸点才是 100 ℃，气压越高沸点越高。",
        ("汽化和液化",),
        (8, "汽化和液化"),
    ),
    (
        "用丝绸摩擦过的玻璃棒带正电。",
        True,
        "丝绸摩擦过的玻璃棒失去电子，带正电。",
        ("两种电荷",),
        (9, "两种电荷"),
    ),
]

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


_PHYSICS_SENIOR_BANK: list[tuple[str, str, list[str], str, tuple[str, ...], tuple[int, str]]] = [
    (
        "下列物理量中，属于矢量的是（　　）",
        "加速度",
        ["质量", "时间", "路程"],
        "加速度既有大小又有方向，是矢量。",
        ("加速度",),
        (10, "加速度"),
    ),
    (
        "在国际单位制中，力学的三个基本单位是（　　）",
        "千克、米、秒",
        ["牛顿、米、秒", "千克、牛顿、秒", "焦耳、米、秒"],
        "力学基本量是质量、长度、时间，单位分别为千克、米、秒。",
        ("牛顿第二定律",),
        (10, "力学单位制"),
    ),
    (
        "物体做平抛运动时，保持不变的物理量是（　　）",
        "加速度",
        ["速度", "动能", "动量"],
        "平抛运动只受重力，加速度恒为 g。",
        ("平抛运动",),
        (10, "抛体运动的规律"),
    ),
    (
        "电梯加速上升时，站在电梯里的人处于（　　）",
        "超重状态",
        ["失重状态", "完全失重状态", "平衡状态"],
        "加速度向上，支持力大于重力，处于超重状态。",
        ("超重与失重",),
        (10, "超重和失重"),
    ),
    (
        "首先发现电流磁效应的科学家是（　　）",
        "奥斯特",
        ["法拉第", "安培", "库仑"],
        "1820 年奥斯特发现了电流的磁效应。",
        ("安培力",),
        (11, "磁场 磁感线"),
    ),
    (
        "发现电磁感应现象的科学家是（　　）",
        "法拉第",
        ["奥斯特", "麦克斯韦", "赫兹"],
        "1831 年法拉第发现了电磁感应现象。",
        ("法拉第电磁感应定律",),
        (11, "电磁感应现象及应用"),
    ),
    (
        "提出光子说并成功解释光电效应的科学家是（　　）",
        "爱因斯坦",
        ["普朗克", "玻尔", "卢瑟福"],
        "爱因斯坦提出光子说，解释了光电效应。",
        ("光电效应",),
        (12, "光电效应"),
    ),
    (
        "通过 α 粒子散射实验提出原子核式结构模型的科学家是（　　）",
        "卢瑟福",
        ["汤姆孙", "玻尔", "查德威克"],
        "卢瑟福根据 α 粒子散射实验提出了原子的核式结构模型。",
        ("原子结构",),
        (12, "原子的核式结构模型"),
    ),
    (
        "第一次在实验室比较准确地测出引力常量 G 的科学家是（　　）",
        "卡文迪什",
        ["牛顿", "开普勒", "伽利略"],
        "卡文迪什用扭秤实验测出了引力常量。",
        ("万有引力定律",),
        (10, "万有引力定律"),
    ),
]

_PHYSICS_SENIOR_TF: list[tuple[str, bool, str, tuple[str, ...], tuple[int, str]]] = [
    (
        "物体的速度越大，加速度一定越大。",
        False,
        "加速度描述速度变化的快慢，与速度大小无关。",
        ("加速度",),
        (10, "加速度"),
    ),
    (
        "作用力与反作用力作用在同一个物体上。",
        False,
        "作用力与反作用力分别作用在两个物体上。",
        ("重力、弹力与摩擦力",),
        (10, "牛顿第三定律"),
    ),
    (
        "做匀速圆周运动的物体，其加速度大小不变。",
        True,
        "向心加速度大小 v²/r 不变，方向时刻改变。",
        ("圆周运动",),
        (10, "向心加速度"),
    ),
    (
        "合外力对物体做的功为零，物体的动能一定不变。",
        True,
        "由动能定理，合外力做功等于动能的变化量。",
        ("动能和动能定理",),
        (10, "动能和动能定理"),
    ),
    (
        "感应电流的磁场总是阻碍引起感应电流的磁通量的变化。",
        True,
        "这就是楞次定律。",
        ("楞次定律",),
        (12, "楞次定律"),
    ),
    (
        "机械波传播时，介质中的质点随波迁移。",
        False,
        "质点只在平衡位置附近振动，不随波迁移。",
        ("机械波",),
        (11, "波的形成"),
    ),
    (
        "光从空气斜射入水中时，折射角大于入射角。",
        False,
        "光从空气斜射入水中，折射角小于入射角。",
        ("光的折射与全反射",),
        (11, "光的折射"),
    ),
]

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


_COMPOUNDS = [
    ("H2O", "水"),
    ("CO2", "二氧化碳"),
    ("H2O2", "过氧化氢"),
    ("KMnO4", "高锰酸钾"),
    ("KClO3", "氯酸钾"),
    ("CaCO3", "碳酸钙"),
    ("HCl", "氯化氢"),
    ("H2SO4", "硫酸"),
    ("NaOH", "氢氧化钠"),
    ("Ca(OH)2", "氢氧化钙"),
    ("NaCl", "氯化钠"),
    ("Na2CO3", "碳酸钠"),
    ("NaHCO3", "碳酸氢钠"),
    ("CuSO4", "硫酸铜"),
    ("Fe2O3", "氧化铁"),
    ("Fe3O4", "四氧化三铁"),
    ("CH4", "甲烷"),
    ("C2H5OH", "乙醇"),
    ("NH4NO3", "硝酸铵"),
    ("CO(NH2)2", "尿素"),
    ("C6H12O6", "葡萄糖"),
    ("MgO", "氧化镁"),
    ("Al2O3", "氧化铝"),
    ("ZnSO4", "硫酸锌"),
    ("NH3", "氨气"),
    ("SO2", "二氧化硫"),
    ("P2O5", "五氧化二磷"),
    ("AgNO3", "硝酸银"),
    ("BaSO4", "硫酸钡"),
    ("K2CO3", "碳酸钾"),
    ("(NH4)2SO4", "硫酸铵"),
    ("CaO", "氧化钙"),
    ("HNO3", "硝酸"),
    ("CuO", "氧化铜"),
    ("KNO3", "硝酸钾"),
]


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
_VALENCE_FORMULAS = [
    ("KMnO4", "Mn"),
    ("K2MnO4", "Mn"),
    ("MnO2", "Mn"),
    ("KClO3", "Cl"),
    ("NaClO", "Cl"),
    ("HClO4", "Cl"),
    ("ClO2", "Cl"),
    ("H2SO4", "S"),
    ("SO2", "S"),
    ("SO3", "S"),
    ("Na2SO3", "S"),
    ("H2S", "S"),
    ("HNO3", "N"),
    ("NH3", "N"),
    ("NO2", "N"),
    ("N2O5", "N"),
    ("NO", "N"),
    ("NaNO2", "N"),
    ("CO", "C"),
    ("CO2", "C"),
    ("CH4", "C"),
    ("Na2CO3", "C"),
    ("Fe2O3", "Fe"),
    ("FeO", "Fe"),
    ("K2Cr2O7", "Cr"),
    ("P2O5", "P"),
    ("Na2SiO3", "Si"),
    ("CaCO3", "C"),
]


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


_REACTIONS = [
    (
        "CaCO3",
        1,
        "CO2",
        1,
        "碳酸钙",
        "二氧化碳",
        "与足量稀盐酸反应",
        "CaCO₃ + 2HCl = CaCl₂ + H₂O + CO₂↑",
    ),
    ("H2O", 2, "H2", 2, "水", "氢气", "完全电解", "2H₂O =通电= 2H₂↑ + O₂↑"),
    ("Zn", 1, "H2", 1, "锌", "氢气", "与足量稀硫酸反应", "Zn + H₂SO₄ = ZnSO₄ + H₂↑"),
    ("KMnO4", 2, "O2", 1, "高锰酸钾", "氧气", "完全分解", "2KMnO₄ =△= K₂MnO₄ + MnO₂ + O₂↑"),
    ("C", 1, "CO2", 1, "碳", "二氧化碳", "在足量氧气中完全燃烧", "C + O₂ =点燃= CO₂"),
    ("Fe", 1, "Cu", 1, "铁", "铜", "与足量硫酸铜溶液反应", "Fe + CuSO₄ = FeSO₄ + Cu"),
    ("H2O2", 2, "O2", 1, "过氧化氢", "氧气", "在二氧化锰催化下完全分解", "2H₂O₂ =MnO₂= 2H₂O + O₂↑"),
]


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


_ACTIVITY = [
    ("K", "钾"),
    ("Ca", "钙"),
    ("Na", "钠"),
    ("Mg", "镁"),
    ("Al", "铝"),
    ("Zn", "锌"),
    ("Fe", "铁"),
    ("Sn", "锡"),
    ("Pb", "铅"),
    ("H", "氢"),
    ("Cu", "铜"),
    ("Hg", "汞"),
    ("Ag", "银"),
    ("Pt", "铂"),
    ("Au", "金"),
]
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


_PHYS_CHANGES = [
    "冰雪融化",
    "酒精挥发",
    "矿石粉碎",
    "干冰升华",
    "玻璃破碎",
    "水结成冰",
    "铁丝弯曲",
    "榨取果汁",
    "灯泡通电发光",
    "石蜡熔化",
    "湿衣服晾干",
]
_CHEM_CHANGES = [
    "纸张燃烧",
    "铁锅生锈",
    "食物腐败",
    "蜡烛燃烧",
    "粮食酿酒",
    "牛奶变酸",
    "煤的燃烧",
    "植物的光合作用",
    "燃放烟花",
    "铜器生锈",
    "用铁矿石炼铁",
]


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


_CHEM_JUNIOR_BANK: list[tuple[str, str, list[str], str, tuple[str, ...], tuple[int, str]]] = [
    (
        "空气中体积分数最大的气体是（　　）",
        "氮气",
        ["氧气", "二氧化碳", "稀有气体"],
        "空气中氮气约占 78%，氧气约占 21%。",
        ("空气的成分",),
        (9, "课题1 空气"),
    ),
    (
        "地壳中含量最多的元素是（　　）",
        "氧",
        ["硅", "铝", "铁"],
        "地壳中元素含量由多到少依次为氧、硅、铝、铁。",
        ("元素与元素符号",),
        (9, "课题3 元素"),
    ),
    (
        "地壳中含量最多的金属元素是（　　）",
        "铝",
        ["铁", "钙", "钠"],
        "地壳中含量最多的金属元素是铝。",
        ("元素与元素符号",),
        (9, "课题3 元素"),
    ),
    (
        "能使澄清石灰水变浑浊的气体是（　　）",
        "二氧化碳",
        ["氧气", "氮气", "一氧化碳"],
        "CO₂ + Ca(OH)₂ = CaCO₃↓ + H₂O。",
        ("二氧化碳的制取与性质",),
        (9, "二氧化碳和一氧化碳"),
    ),
    (
        "下列物质中，属于纯净物的是（　　）",
        "蒸馏水",
        ["空气", "矿泉水", "石灰石"],
        "蒸馏水只含一种物质。",
        ("空气的成分",),
        (9, "课题1 空气"),
    ),
    (
        "下列物质中，属于氧化物的是（　　）",
        "水（H₂O）",
        ["氧气（O₂）", "氯酸钾（KClO₃）", "氢氧化钠（NaOH）"],
        "由两种元素组成且其中一种是氧元素的化合物叫做氧化物。",
        ("化学式",),
        (9, "化学式与化合价"),
    ),
    (
        "下列溶液中，pH 大于 7 的是（　　）",
        "氢氧化钠溶液",
        ["稀盐酸", "食盐水", "白醋"],
        "碱性溶液的 pH 大于 7。",
        ("中和反应与pH",),
        (9, "酸和碱的中和反应"),
    ),
    (
        "人体缺少下列哪种元素容易引起贫血（　　）",
        "铁",
        ["钙", "碘", "锌"],
        "铁是血红蛋白的成分，缺铁会引起贫血。",
        ("化学元素与健康",),
        (9, "化学元素与人体健康"),
    ),
    (
        "用灯帽盖灭酒精灯，其灭火原理是（　　）",
        "隔绝空气",
        ["清除可燃物", "降低可燃物的着火点", "使温度降到着火点以下"],
        "盖上灯帽使酒精与空气隔绝。",
        ("燃烧与灭火",),
        (9, "燃烧和灭火"),
    ),
    (
        "下列材料中，属于有机合成材料的是（　　）",
        "塑料",
        ["棉花", "羊毛", "不锈钢"],
        "塑料、合成纤维、合成橡胶属于有机合成材料。",
        ("有机合成材料",),
        (9, "有机合成材料"),
    ),
    (
        "元素的种类由原子的（　　）决定",
        "质子数",
        ["中子数", "电子数", "最外层电子数"],
        "元素是质子数（即核电荷数）相同的一类原子的总称。",
        ("原子的结构",),
        (9, "原子的结构"),
    ),
    (
        "下列化肥中，属于复合肥料的是（　　）",
        "硝酸钾（KNO₃）",
        ["尿素［CO(NH₂)₂］", "氯化钾（KCl）", "磷矿粉"],
        "同时含有氮、磷、钾中两种或两种以上营养元素的化肥是复合肥料。",
        ("常见的盐",),
        (9, "化学肥料"),
    ),
]


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


_GASES = [
    ("O2", "氧气"),
    ("H2", "氢气"),
    ("N2", "氮气"),
    ("CO2", "二氧化碳"),
    ("CH4", "甲烷"),
    ("NH3", "氨气"),
    ("Cl2", "氯气"),
    ("SO2", "二氧化硫"),
]


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


_CHEM_SENIOR_TF: list[tuple[str, bool, str, tuple[str, ...], tuple[int, str]]] = [
    (
        "胶体区别于其他分散系的本质特征是能产生丁达尔效应。",
        False,
        "本质特征是分散质粒子的直径在 1~100 nm 之间，丁达尔效应只是鉴别方法。",
        ("分散系与胶体",),
        (10, "物质的分类及转化"),
    ),
    (
        "可以用丁达尔效应区分溶液和胶体。",
        True,
        "光束通过胶体时会出现一条光亮的“通路”。",
        ("分散系与胶体",),
        (10, "物质的分类及转化"),
    ),
    (
        "CO₂ 的水溶液能导电，所以 CO₂ 是电解质。",
        False,
        "导电的是 CO₂ 与水反应生成的 H₂CO₃，CO₂ 本身是非电解质。",
        ("电解质与电离",),
        (10, "离子反应"),
    ),
    (
        "在氧化还原反应中，氧化剂得到电子，所含元素化合价降低。",
        True,
        "氧化剂得电子、化合价降低、被还原。",
        ("氧化剂与还原剂",),
        (10, "氧化还原反应"),
    ),
    (
        "标准状况下，1 mol 水的体积约为 22.4 L。",
        False,
        "标准状况下水不是气体，22.4 L/mol 只适用于气体。",
        ("气体摩尔体积",),
        (10, "物质的量"),
    ),
    (
        "催化剂能改变化学反应速率，但不能使化学平衡发生移动。",
        True,
        "催化剂同等程度地改变正、逆反应速率。",
        ("化学平衡",),
        (11, "化学平衡"),
    ),
    (
        "原电池中，负极发生氧化反应。",
        True,
        "负极失去电子，发生氧化反应。",
        ("原电池",),
        (11, "原电池"),
    ),
    (
        "电解池中，与电源负极相连的电极是阴极，发生还原反应。",
        True,
        "阴极得到电子，发生还原反应。",
        ("电解池",),
        (11, "电解池"),
    ),
    (
        "甲烷与氯气在光照条件下发生的是加成反应。",
        False,
        "甲烷与氯气在光照下发生取代反应。",
        ("烷烃与烯烃",),
        (10, "认识有机化合物"),
    ),
    (
        "乙烯能使酸性高锰酸钾溶液褪色。",
        True,
        "乙烯含碳碳双键，能被酸性高锰酸钾溶液氧化。",
        ("烷烃与烯烃",),
        (10, "乙烯与有机高分子材料"),
    ),
    (
        "铁在氯气中燃烧生成 FeCl₂。",
        False,
        "氯气氧化性强，铁在氯气中燃烧生成 FeCl₃。",
        ("铁及其化合物",),
        (10, "铁及其化合物"),
    ),
    (
        "常温下，铝遇浓硫酸会发生钝化。",
        True,
        "浓硫酸使铝表面生成致密的氧化膜。",
        ("铝及其化合物",),
        (10, "金属材料"),
    ),
    (
        "NaHCO₃ 固体受热易分解。",
        True,
        "2NaHCO₃ =△= Na₂CO₃ + H₂O + CO₂↑。",
        ("钠及其化合物",),
        (10, "钠及其化合物"),
    ),
]


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


_SHORT: list[tuple[str, str, str, str, tuple[str, ...], tuple[int, str]]] = [
    (
        "物理",
        "初中",
        "冬天，室外的自来水管容易被冻裂，请解释其中的原因。",
        "水结冰时质量不变，密度变小，由 V = m/ρ 可知体积变大，会把水管胀裂。",
        ("密度",),
        (8, "密度与社会生活"),
    ),
    (
        "物理",
        "初中",
        "用吸管能把饮料吸进嘴里，这是为什么？",
        "吸管内的空气被吸走后，管内气压减小，小于外界大气压，饮料在大气压的作用下被压进嘴里。",
        ("大气压强",),
        (8, "大气压强"),
    ),
    (
        "物理",
        "初中",
        "汽车驾驶员和前排乘客为什么要系安全带？",
        "汽车紧急刹车时，人由于惯性会保持原来的运动状态继续向前运动，系安全带可以防止人撞到前方而受伤。",
        ("牛顿第一定律与惯性",),
        (8, "牛顿第一定律"),
    ),
    (
        "物理",
        "初中",
        "炎热的夏天，在地面上洒些水会感到凉快，请解释原因。",
        "洒在地上的水蒸发（汽化）时要从周围吸收热量，使周围的温度降低，所以人会感到凉快。",
        ("汽化和液化",),
        (8, "汽化和液化"),
    ),
    (
        "物理",
        "初中",
        "为什么安全用电要求“不接触低压带电体，不靠近高压带电体”？",
        "人体是导体，接触低压带电体或靠近高压带电体时都可能有较大的电流通过人体，造成触电事故。",
        ("安全用电",),
        (9, "安全用电"),
    ),
    (
        "化学",
        "初中",
        "如何用燃着的木条区分一瓶氧气和一瓶二氧化碳？",
        "分别将燃着的木条伸入两个集气瓶中，木条燃烧更旺的是氧气，木条熄灭的是二氧化碳。",
        ("氧气的性质与制取",),
        (9, "课题2 氧气"),
    ),
    (
        "化学",
        "初中",
        "铝的金属活动性比铁强，为什么铝制品却比铁制品耐腐蚀？",
        "铝在空气中与氧气反应，表面生成一层致密的氧化铝薄膜，阻止内部的铝进一步被氧化。",
        ("金属的化学性质",),
        (9, "金属的化学性质"),
    ),
    (
        "化学",
        "初中",
        "铁生锈的条件是什么？请写出一种防止铁制品生锈的方法。",
        "铁与氧气和水同时接触会生锈；可以在铁制品表面刷漆、涂油或镀上其他金属等。",
        ("金属的化学性质",),
        (9, "金属资源的利用和保护"),
    ),
    (
        "物理",
        "高中",
        "简述用打点计时器测量匀变速直线运动加速度的基本思路。",
        "用打点计时器打出纸带，选取计数点并测出相邻计数点间的距离，用逐差法 a = Δx/T² 求出加速度。",
        ("位移与时间的关系",),
        (10, "实验：探究小车速度随时间变化的规律"),
    ),
    (
        "化学",
        "高中",
        "配制一定物质的量浓度的溶液时，定容时俯视刻度线，所配溶液浓度偏高还是偏低？为什么？",
        "偏高。俯视刻度线时，实际加入的水偏少，溶液体积偏小，由 c = n/V 可知浓度偏高。",
        ("物质的量浓度",),
        (10, "物质的量"),
    ),
]


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
