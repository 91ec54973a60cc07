#!/usr/bin/env python3
"""Write cleaner/encoding/vietnamese_8bit.json: byte -> Unicode tables for the two
legacy Vietnamese 8-bit encodings that Python has no codec for.

  VISCII  RFC 1456 (Vietnamese Standardization Working Group, 1993): 134
          precomposed letters in 0x80-0xFF and six C0 positions.
  TCVN3   TCVN 5712:1993 "VN3", the 'ABC' font encoding of old Vietnamese
          pages: lower-case precomposed letters and the seven base capitals
          (Ă Â Ê Ô Ơ Ư Đ) in 0xA1-0xFF; 0xB0-0xB4 are the combining tone marks.
          Its upper half is that of TCVN 5712 VN1; its C0 range is plain ASCII
          controls (VN1's capitals there are not used by VN3 fonts).

The tables are read off glibc's iconv converters (VISCII, TCVN5712-1), which
implement those standards; run this script where `iconv` has them.
"""

import json
import os
import subprocess

OUT = os.path.join(os.path.dirname(__file__), "..", "cleaner", "encoding", "vietnamese_8bit.json")


def table(charset: str, positions: range) -> dict[str, str]:
    out = {}
    for byte in positions:
        text = subprocess.run(["iconv", "-f", charset, "-t", "UTF-8"], input=bytes([byte]),
                              capture_output=True, check=True).stdout.decode("utf-8")
        if text and text != chr(byte):
            out[f"{byte:02x}"] = text
    return out


def main() -> None:
    tables = {
        "_about": __doc__.strip(),
        "viscii": table("VISCII", range(0x00, 0x100)),
        "tcvn3": table("TCVN5712-1", range(0x80, 0x100)),
    }
    with open(OUT, "w", encoding="utf-8") as handle:
        json.dump(tables, handle, ensure_ascii=False, indent=1, sort_keys=True)
        handle.write("\n")
    print(f"wrote {OUT}: viscii {len(tables['viscii'])} entries, tcvn3 {len(tables['tcvn3'])} entries")


if __name__ == "__main__":
    main()
