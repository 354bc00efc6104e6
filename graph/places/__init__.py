"""Places: countries and their codes, regions, Belgian municipality names (and the gazetteer)."""
