"""MoTIS Desktop: find photos on your own disk by describing them in words."""

import os

__version__ = "0.1.0"

# onnxruntime's wheel carries Microsoft's telemetry (a device id and an event queue written to
# ~/.cache/Microsoft/DeveloperTools, QA walk 7 #1); this variable, read when its library loads, keeps it off.
# Set here, before any entry point can import onnxruntime; decoder and OCR workers inherit it. Always "1": the
# app promises that nothing leaves the machine, whatever the environment says.
os.environ["ORT_DISABLE_TELEMETRY"] = "1"
