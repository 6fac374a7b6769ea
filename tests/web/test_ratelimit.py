"""Search is rate-limited per client address; the limiter's arithmetic with a controllable clock."""

from __future__ import annotations

import httpx

from finews.web import create_app
from finews.web.ratelimit import RateLimiter

from .conftest import serve


def test_bucket_allows_bursts_then_refills():
    now = [0.0]
    limiter = RateLimiter(3, clock=lambda: now[0])
    assert [limiter.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.take("a") == 20.0  # 3 per minute: the next token in 20 s
    assert limiter.take("b") == 0.0  # another address has its own bucket
    now[0] += 20.0
    assert limiter.take("a") == 0.0
    assert RateLimiter(0).take("a") == 0.0  # 0: no limit


def test_api_search_answers_429_with_retry_after(filled):
    config = filled.model_copy(update={"web": filled.web.model_copy(update={"search_per_minute": 2})})
    for url in serve(create_app(config)):
        with httpx.Client(base_url=url, timeout=30) as http:
            assert [http.get("/api/search", params={"q": "离职"}).status_code for _ in range(2)] == [200, 200]
            refused = http.get("/api/search", params={"q": "离职"})
            assert refused.status_code == 429 and refused.headers["retry-after"] == "30"
            assert refused.headers["content-type"].startswith("application/problem+json")
            assert refused.json()["status"] == 429
            assert http.get("/api/articles").status_code == 200  # only search is limited
