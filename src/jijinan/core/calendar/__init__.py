"""The working-day calendar: its tables, the working-day arithmetic, its reads, writes, pages and API."""
