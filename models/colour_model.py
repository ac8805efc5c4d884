"""Build the hand-made colour TorchScript pair (see ``motis_desktop.core.models.architectures.colour``).

Usage: ``python models/colour_model.py --out DIR`` → DIR/image_encoder.pt, DIR/text_encoder.pt
"""

from __future__ import annotations

import argparse

from motis_desktop.core.models.architectures.colour import EMBED_DIM, PALETTE, build_colour_pair, colour_token_axes

__all__ = ["EMBED_DIM", "PALETTE", "build_colour_pair", "colour_token_axes"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="output folder")
    args = parser.parse_args()
    image_path, text_path = build_colour_pair(args.out)
    print(f"wrote {image_path} and {text_path}")


if __name__ == "__main__":
    main()
