"""JSON API presets: the APIs of the systems finews replaces, as data. Field names are the APIs' own."""

from __future__ import annotations

_EASTMONEY_DETAIL = "data.content|content|data.text|text"

API_PRESETS: dict[str, dict[str, object]] = {
    # rolling news: records[] with title, digest (【…】 lead), id, url_w, showtime, infoCode
    "eastmoney-rolling": {
        "items": "data.list|records|data.records",
        "id": "id|infoCode",
        "title": "title",
        "url": "url_w|url|uniqueUrl",
        "time": "showtime|showTime",
        "summary": "digest|summary",
        "media": "mediaName|from",
        "strip_lead": True,
        "detail_content": _EASTMONEY_DETAIL,
    },
    # the media list: nodeList[] with from (the outlet), infocode, title, showtime
    "eastmoney-media": {
        "items": "data.nodeList|nodeList",
        "id": "infocode|infoCode",
        "title": "title",
        "url": "url_w|url",
        "time": "showtime",
        "summary": "digest",
        "media": "from",
        "media_category": True,
        "strip_lead": True,
        "detail_content": _EASTMONEY_DETAIL,
    },
    # market news: record[] with medianame, infoCode, datetime
    "eastmoney-market": {
        "items": "data.record|record",
        "id": "infoCode|code",
        "title": "title",
        "url": "url|url_w",
        "time": "datetime|showtime",
        "summary": "digest|summary",
        "media": "medianame|mediaName",
        "media_category": True,
        "strip_lead": True,
        "detail_content": _EASTMONEY_DETAIL,
    },
    # 36kr newsflashes: the open API (data.items[]) and the web gateway (data.itemList[].templateMaterial)
    "kr36-newsflash": {
        "items": "data.items|data.itemList",
        "id": "id|itemId",
        "title": "title|templateMaterial.widgetTitle",
        "url_template": "https://36kr.com/newsflashes/{id|itemId}",
        "time": "published_at|templateMaterial.publishTime",
        "summary": "description|templateMaterial.widgetContent",
    },
}
