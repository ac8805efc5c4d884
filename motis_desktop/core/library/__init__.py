"""The photo library: the SQLite store (``store``), finding files on disk (``scanner``), bringing
embeddings up to date (``indexer``) with isolated decoder workers (``decode_pool``) and a crash journal
(``journal``), watching folders for changes (``watcher``) and the one-writer lock (``locking``)."""
