"""Project-wide test settings: a derandomised hypothesis profile for CI."""

from hypothesis import settings

settings.register_profile("ci", derandomize=True, deadline=None, max_examples=40)
settings.load_profile("ci")
