"""Chapter 6: the cost assessment of three anonymised offers (A, B, C) as a cost model.

- `inputs`: the cost input (resources per offer, course type, phase and item; volumes per offer
  and course type), the sensitivity ranges and the report's printed totals, each validated with
  errors naming the file, the row and the key;
- `model`: cost per participant by phase, following Socialstyrelsen's principles for cost
  assessments (docs/costs.md);
- `sensitivity`: one-way ranges (tornado), the full-cost scenario, the break-even group size and
  a probabilistic analysis over configured distributions;
- `tables`: the interim tables chapter 6 publishes.
"""
