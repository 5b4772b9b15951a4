"""The final evaluation of the grant pool 2016-2019 (Rambøll 2019), chapter by chapter:
kapitel_3 (flow, production, profiles, dropout), kapitel_4 (outcomes, benefit), chapter 5's
core elements (core_elements: samples; element_models: Bilag 4's models), and the
reproduction check against the report's printed numbers."""
