"""The App Home tab: the dashboard, its pages and settings, the calendar form."""
