"""Textbooks and resources: reading them, the publishing workflow, recommendations, view
counts."""
