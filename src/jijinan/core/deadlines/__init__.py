"""The deadline engine: the kinds later apps register, the clock, the one table of deadlines, its
writes (start, pause, resume, extend, cancel, meet, the breach sweep), reads, pages and API."""
