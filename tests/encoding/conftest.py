"""Shared by the tests of cleaner.encoding: Vietnamese texts, the Windows-1258
encoder, a page around a body, and a spy on chardet."""

from __future__ import annotations

import unicodedata

from cleaner import encoding

# A realistic Vietnamese news paragraph (several sentences, ~550 bytes in cp1258).
VI_TEXT = (
    "Từ ngày 1/4, hành khách có thể đi xe buýt điện từ trung tâm Hà Nội đến sân bay "
    "Nội Bài với giá vé 45.000 đồng một lượt. Sở Giao thông vận tải Hà Nội cho biết "
    "tuyến mới dài 35 km, xuất phát từ bến xe Kim Mã, đi qua cầu Nhật Tân và dừng ở cả "
    "hai nhà ga hành khách của sân bay. Mỗi ngày tuyến có 120 chuyến, chạy từ 5 giờ "
    "sáng đến 23 giờ, giãn cách 15 phút vào giờ cao điểm. Theo Sở, sau một năm thí "
    "điểm các tuyến xe buýt điện, số hành khách tăng gần 30%, trong khi lượng khí thải "
    "của đội xe giảm đáng kể."
)
VI_TEXT_2 = (
    "Mùa mưa năm nay đến sớm hơn mọi năm, khiến nhiều tuyến phố ở trung tâm thành phố "
    "bị ngập sâu vào giờ tan tầm. Người dân phải dắt xe máy qua những đoạn đường ngập "
    "quá bánh xe. Công ty thoát nước cho biết đã huy động hàng trăm công nhân túc trực "
    "tại các điểm ngập và sẽ lắp thêm trạm bơm dã chiến trong tuần tới. Theo dự báo, "
    "mưa lớn còn kéo dài đến cuối tháng."
)
# Short (< 100 bytes in cp1258) but still detected reliably.
VI_SHORT = "Xin chào, tôi tên là Minh. Hôm nay trời đẹp quá!"

TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"


def cp1258_bytes(text: str) -> bytes:
    """Encode NFC text the way Windows-1258 stores Vietnamese: precomposed
    letters where the code page has them, otherwise base letter + tone mark."""
    out = bytearray()
    for char in unicodedata.normalize("NFC", text):
        try:
            out += char.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        parts = unicodedata.normalize("NFD", char)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONE_MARKS))
        out += base.encode("cp1258")
        out += "".join(c for c in parts if c in TONE_MARKS).encode("cp1258")
    return bytes(out)


def html(body: str, head: str = "") -> str:
    return f"<!DOCTYPE html>\n<html><head>{head}<title>Tin</title></head>\n<body><p>{body}</p></body></html>\n"


def _chardet_spy(monkeypatch) -> list[bytes]:
    asked: list[bytes] = []
    real = encoding._chardet_candidates

    def spy(data: bytes):
        asked.append(data)
        return real(data)

    monkeypatch.setattr(encoding, "_chardet_candidates", spy)
    return asked
