#!/usr/bin/env python3
"""Write tests/data/encodings/: Vietnamese text in the encodings old pages come
in, each NAME with NAME.expected.txt (UTF-8, NFC) beside it.

The bytes are made by glibc's iconv (CP1258, VISCII, TCVN5712-1), not by
cleaner's own tables, so the tests check cleaner against an independent
implementation of the standards. Run where `iconv` has those converters, with ftfy installed (for the
sloppy-windows-1252 codec that makes realistic mojibake).
"""

import codecs
import os
import subprocess

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "data", "encodings")

# Lower-case accented letters only, plus plain capitals: TCVN3 fonts have no
# code for capitals with tone marks.
TEXT = ("Sáng nay, hành khách ở thủ đô đã có thể đi xe buýt điện từ bến xe Kim Mã đến sân bay "
        "Nội Bài với giá vé bốn mươi lăm nghìn đồng một lượt. Theo sở giao thông vận tải, tuyến "
        "mới dài ba mươi lăm cây số, chạy qua cầu Nhật Tân và dừng ở cả hai nhà ga hành khách. "
        "Mỗi ngày có một trăm hai mươi chuyến, giãn cách mười lăm phút vào giờ cao điểm.")
SHORT = "Hà Nội mở tuyến xe buýt điện mới."  # under 100 bytes in every encoding
TITLE = "Xe buýt điện nối sân bay Nội Bài"


def iconv(text: str, charset: str) -> bytes:
    return subprocess.run(["iconv", "-f", "UTF-8", "-t", charset], input=text.encode("utf-8"),
                          capture_output=True, check=True).stdout


def mojibake(text: str) -> bytes:
    """UTF-8 read as windows-1252 (bytes it leaves undefined kept as the C1
    controls Windows tools produce) and saved again as UTF-8."""
    import ftfy.bad_codecs  # noqa: F401  registers sloppy-windows-1252

    return text.encode("utf-8").decode("sloppy-windows-1252").encode("utf-8")


def html(body: bytes, meta: bytes | None, title: bytes) -> bytes:
    head = b"<meta charset=\"" + meta + b"\">" if meta else b""
    return (b"<!DOCTYPE html><html><head>" + head + b"<title>" + title + b"</title></head><body><h1>"
            + title + b"</h1><p>" + body + b"</p></body></html>")


def main() -> None:
    os.makedirs(OUT, exist_ok=True)
    page_text = f"{TITLE}\n{TEXT}"
    cases = {
        "cp1258-meta.html": (html(iconv(TEXT, "CP1258"), b"windows-1258", iconv(TITLE, "CP1258")), page_text),
        "cp1258-no-meta.html": (html(iconv(TEXT, "CP1258"), None, iconv(TITLE, "CP1258")), page_text),
        "cp1258-stale-latin1-meta.html": (html(iconv(TEXT, "CP1258"), b"iso-8859-1", iconv(TITLE, "CP1258")), page_text),
        "utf8-stale-cp1258-meta.html": (html(TEXT.encode(), b"windows-1258", TITLE.encode()), page_text),
        "utf8-stale-latin1-meta.html": (html(TEXT.encode(), b"iso-8859-1", TITLE.encode()), page_text),
        "cp1258.txt": (iconv(TEXT, "CP1258"), TEXT),
        "viscii.txt": (iconv(TEXT, "VISCII"), TEXT),
        "tcvn3.txt": (iconv(TEXT, "TCVN5712-1"), TEXT),
        "tcvn3-latin1-meta.html": (html(iconv(TEXT, "TCVN5712-1"), b"iso-8859-1", iconv(TITLE, "TCVN5712-1")), page_text),
        "viscii-no-meta.html": (html(iconv(TEXT, "VISCII"), None, iconv(TITLE, "VISCII")), page_text),
        "utf16le-no-bom.txt": (TEXT.encode("utf-16-le"), TEXT),
        "utf16be-no-bom.txt": (TEXT.encode("utf-16-be"), TEXT),
        "utf16-bom.txt": (codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), TEXT),
        "utf8-bom.txt": (codecs.BOM_UTF8 + TEXT.encode("utf-8"), TEXT),
        "short-cp1258.txt": (iconv(SHORT, "CP1258"), SHORT),
        "short-utf8.txt": (SHORT.encode("utf-8"), SHORT),
        "short-viscii.txt": (iconv(SHORT, "VISCII"), SHORT),
        "mojibake.txt": (mojibake(TEXT), TEXT),
        "short-mojibake.txt": (mojibake(SHORT), SHORT),
        "lookalike.txt": (TEXT.replace("đ", "ð").replace("Đ", "Ð").encode("utf-8"), TEXT),
    }
    for name, (data, expected) in cases.items():
        with open(os.path.join(OUT, name), "wb") as handle:
            handle.write(data)
        with open(os.path.join(OUT, name + ".expected.txt"), "w", encoding="utf-8") as handle:
            handle.write(expected + "\n")
    print(f"wrote {len(cases)} cases to {OUT}")


if __name__ == "__main__":
    main()
