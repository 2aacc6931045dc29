"""The TV review lessons (毕业年级复习专题课): the schedule and its iCalendar feeds."""
