"""The photo library: the SQLite store (``store``), finding files on disk (``scanner``), bringing
embeddings up to date (``indexer``) and the one-writer lock (``locking``)."""
