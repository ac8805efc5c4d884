"""MoTIS Desktop: find photos on your own disk by describing them in words."""

__version__ = "0.1.0"
