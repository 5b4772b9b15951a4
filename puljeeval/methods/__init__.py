"""Statistical methods shared by the chapters: intervals, tests, effect sizes, models and
disclosure control."""
