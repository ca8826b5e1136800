"""Articles and their claims: the search index, the inbox (ingest), proposed claims."""
