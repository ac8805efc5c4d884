"""Search: the service that answers queries (``service``) over persisted vector indexes (``indexes``)."""
