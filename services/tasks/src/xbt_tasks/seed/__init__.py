"""Demo data for `make run` (`python -m xbt_tasks.seed`): see `loader`."""

from xbt_tasks.seed.loader import (
    DEMO_PEOPLE,
    HP_STUDENT1,
    HP_STUDENT2,
    HP_TEACHER,
    HX_TEACHER,
    ITEMS,
    RESOURCES,
    TASKS,
    DemoCatalog,
    DemoUseCases,
    demo_use_cases,
    seed,
)

__all__ = [
    "DEMO_PEOPLE",
    "HP_STUDENT1",
    "HP_STUDENT2",
    "HP_TEACHER",
    "HX_TEACHER",
    "ITEMS",
    "RESOURCES",
    "TASKS",
    "DemoCatalog",
    "DemoUseCases",
    "demo_use_cases",
    "seed",
]
