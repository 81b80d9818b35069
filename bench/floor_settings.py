"""The product's settings with the floors' URLconf (bench/floor_urls.py); the benchmark's
floors phase only."""

from coursecompanion.settings import *  # noqa: F403 (the product's settings, unchanged)

ROOT_URLCONF = "floor_urls"
