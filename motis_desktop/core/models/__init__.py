"""Models: the catalogue of downloadable models (``registry`` + ``download``), installed models
(``installed``), the CLIP tokenizer, the image/text encoders (``encoders``), fast inference modes
(``modes``, chosen per machine by ``mode_select``) and the hand-made colour model of the self-test
(``colour``)."""
