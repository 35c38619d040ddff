"""Reasoning effort for the mini-LLM, in one package: the task family and its checker (``tasks``),
prompts, budget forcing and voting (``inference``), supervised training and measurement
(``training``), the lab's background trainer (``service``) and the API-tier projection
(``projection``). It builds on ``train`` and ``infer``; neither imports it."""
