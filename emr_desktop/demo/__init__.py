"""Synthetic demo practice: `emr-desktop demo [--patients N] [--seed S]`.

Everything generated here is fictional: names from a seeded Faker, phone numbers in the 555-01xx
range, e-mail at example.com, identifiers with valid check digits but no real holder.
"""

from emr_desktop.demo.generator import DemoSummary, generate_demo_practice

__all__ = ["DemoSummary", "generate_demo_practice"]
