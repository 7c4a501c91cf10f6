"""MediaPipe backends: BlazePose (33 landmarks, mapped to COCO-17), the BlazeFace detectors
and the hand landmarker, run through the MediaPipe Tasks API on the CPU.

The weights are the raw ``.tflite`` graphs that ship in the pinned ``mediapipe==0.10.21``
wheel; ``prepare`` (run by ``hhi models setup``, never imported at run time) turns them into
``.task`` bundles. Modules: ``cards`` (model cards), ``prepare`` (set-up), ``runtime``
(Tasks API wrapper and shared geometry), ``pose`` (``blazepose``), ``faces`` (``faces``),
``hands`` (``hands``). Nothing here touches the network at import or construction time.
"""
