"""The survey twin of the 2016 mapping (Kortlægning): offers, interventions, municipalities and the net
list, calibrated by integer programming to the printed tables (docs/kortlaegning_twin.md)."""
