"""llmlab: the numbers behind choosing, training and serving a large language model.

Importing the package is cheap on purpose: the engine (``laws``, ``arch``, ``catalog``)
needs only numpy and scipy, and nothing here imports torch.
"""

__version__ = "0.1.0"
