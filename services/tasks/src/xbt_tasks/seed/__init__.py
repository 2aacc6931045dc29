"""Demo data for `make run` (`python -m xbt_tasks.seed`): the data files and their `loader`."""
