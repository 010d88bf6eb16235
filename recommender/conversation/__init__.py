"""The conversation layer: session state, history paste parsing and request understanding."""

from recommender.conversation.history_parser import (
    AmbiguousLine,
    HistoryParse,
    MatchedLine,
    TitleMatch,
    TitleMatcher,
    UnmatchedLine,
    parse_history,
)
from recommender.conversation.request_parser import (
    GENRE_VOCABULARY,
    GenreWord,
    ParsedRequest,
    apply_request,
    parse_request,
)
from recommender.conversation.state import Constraints, SessionState

__all__ = [
    "GENRE_VOCABULARY",
    "AmbiguousLine",
    "Constraints",
    "GenreWord",
    "HistoryParse",
    "MatchedLine",
    "ParsedRequest",
    "SessionState",
    "TitleMatch",
    "TitleMatcher",
    "UnmatchedLine",
    "apply_request",
    "parse_history",
    "parse_request",
]
