from finews.extract.urls import canonical_url


def test_tracking_parameters_removed_and_order_kept():
    url = "HTTPS://News.Example.CN:443/a/1.html?b=2&utm_source=rss&spm=a.b&from=timeline&a=1#top"
    assert canonical_url(url) == "https://news.example.cn/a/1.html?b=2&a=1"


def test_relative_urls_resolve_against_base():
    assert canonical_url("/x?id=3&utm_medium=json", "https://e.cn/feed.xml") == "https://e.cn/x?id=3"


def test_non_http_and_empty_urls_pass_through():
    assert canonical_url("") == ""
    assert canonical_url("mailto:a@b.c") == "mailto:a@b.c"


def test_non_default_port_kept():
    assert canonical_url("http://e.cn:8080/a") == "http://e.cn:8080/a"
