"""Places: countries, regions, and the rules that merge duplicate towns."""
