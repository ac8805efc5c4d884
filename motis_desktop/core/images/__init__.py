"""Images: recognising files by content (``header``), reading and decoding them safely (``decode``),
and turning pixels into model input (``preprocess``)."""
