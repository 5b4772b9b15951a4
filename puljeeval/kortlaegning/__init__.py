"""The 2016 mapping of 55 offers (Kortlægning): its survey contract, published tables, twin and maps (issue 15)."""
