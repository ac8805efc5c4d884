"""Search: the service that answers queries (``service``) over persisted vector indexes (``indexes``),
the query language (``query``, ``query_vector``), the relevance cut-off (``cutoff``) and a cache of text
vectors (``text_cache``)."""
