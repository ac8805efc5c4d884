"""Models: the catalogue of downloadable models (``registry`` + ``download``), installed models
(``installed``), the CLIP tokenizer and the image/text encoders (``encoders``)."""
