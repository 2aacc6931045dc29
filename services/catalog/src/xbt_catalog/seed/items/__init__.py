"""Question-item generators per subject group, fed by `data/items/`."""
