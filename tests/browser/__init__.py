"""Browser tests: a real Chromium, driven by Playwright, against the real app (marked ``browser``)."""
