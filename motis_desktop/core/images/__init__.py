"""Images: recognising files by content (``header``), reading and decoding them safely (``decode``),
when a photo was taken (``dates``), and turning pixels into model input (``preprocess``)."""
