"""Open-school courses (开放学堂) and pupils' progress through their lessons."""
