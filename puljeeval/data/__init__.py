"""Reading and checking data: the extracts' dialects, the data contract (schemas/), CPR
numbers and pseudonyms, ingestion, and cleaning with its ledger of every raw row."""
