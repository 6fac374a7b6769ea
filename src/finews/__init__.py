"""finews: a self-hosted news desk for Chinese finance and tech news."""

from .model import Annotation, Article, SaveResult, SourceState

__version__ = "0.1.0"
__all__ = ["Annotation", "Article", "SaveResult", "SourceState", "__version__"]
