/* JSON Lines scanning for _fingerprint.c (included there, after the token
 * machinery it uses): a strict validator that finds the members a record
 * needs and tokenises the text member in place. */

/* ---- JSON Lines: fingerprints straight from the bytes of each line ----
 *
 * Building a str for every text costs as much as fingerprinting it, so for
 * JSON Lines the kernel reads the text field's UTF-8 bytes in place. The
 * scanner is a strict RFC 8259 validator that only ever says "fast" for a
 * line Python's json.loads accepts with the same values; anything else
 * (NaN, escaped keys, lone surrogates, encoded surrogates, nesting deeper
 * than MAX_DEPTH, a text needing Python's casefold) is sent back to the
 * Python path, which decides. */

#define MAX_DEPTH 256

typedef struct {
    const unsigned char *p, *end;
} cursor;

typedef struct {
    const unsigned char *start, *stop; /* value bytes (strings: between the quotes) */
    int is_string, escaped;
} span;

static inline void skip_ws(cursor *c) {
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r')) c->p++;
}

static inline int hexval(unsigned char ch) {
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

/* Length of the valid UTF-8 sequence at p (lead byte >= 0x80), 0 if invalid
 * (overlong, surrogate, beyond U+10FFFF, truncated). */
static inline int utf8_length(const unsigned char *p, const unsigned char *end) {
    unsigned char b0 = p[0];
#define CONT(i) (p + (i) < end && (p[i] & 0xC0) == 0x80)
    if (b0 >= 0xC2 && b0 <= 0xDF) return CONT(1) ? 2 : 0;
    if (b0 >= 0xE0 && b0 <= 0xEF) {
        if (!(CONT(1) && CONT(2))) return 0;
        if (b0 == 0xE0 && p[1] < 0xA0) return 0;
        if (b0 == 0xED && p[1] > 0x9F) return 0;
        return 3;
    }
    if (b0 >= 0xF0 && b0 <= 0xF4) {
        if (!(CONT(1) && CONT(2) && CONT(3))) return 0;
        if (b0 == 0xF0 && p[1] < 0x90) return 0;
        if (b0 == 0xF4 && p[1] > 0x8F) return 0;
        return 4;
    }
    return 0;
#undef CONT
}

/* c->p at the opening quote; on success c->p is past the closing quote. */
static int scan_string(cursor *c, span *out) {
    c->p++;
    out->start = c->p;
    out->escaped = 0;
    out->is_string = 1;
    while (c->p < c->end) {
        unsigned char ch = *c->p;
        if (ch == '"') {
            out->stop = c->p++;
            return 0;
        }
        if (ch < 0x20) return -1;
        if (ch == '\\') {
            out->escaped = 1;
            if (c->p + 1 >= c->end) return -1;
            unsigned char e = c->p[1];
            if (e == 'u') {
                if (c->p + 6 > c->end) return -1;
                for (int i = 2; i < 6; i++)
                    if (hexval(c->p[i]) < 0) return -1;
                c->p += 6;
            } else if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' ||
                       e == 'r' || e == 't') {
                c->p += 2;
            } else {
                return -1;
            }
        } else if (ch < 0x80) {
            c->p++;
        } else {
            int n = utf8_length(c->p, c->end);
            if (!n) return -1;
            c->p += n;
        }
    }
    return -1;
}

static int scan_number(cursor *c) {
    const unsigned char *p = c->p, *end = c->end;
    if (p < end && *p == '-') p++;
    if (p < end && *p == '0') {
        p++;
    } else if (p < end && *p >= '1' && *p <= '9') {
        while (p < end && *p >= '0' && *p <= '9') p++;
    } else {
        return -1;
    }
    if (p < end && *p == '.') {
        p++;
        if (!(p < end && *p >= '0' && *p <= '9')) return -1;
        while (p < end && *p >= '0' && *p <= '9') p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-')) p++;
        if (!(p < end && *p >= '0' && *p <= '9')) return -1;
        while (p < end && *p >= '0' && *p <= '9') p++;
    }
    c->p = p;
    return 0;
}

static int scan_literal(cursor *c, const char *word, size_t n) {
    if ((size_t)(c->end - c->p) < n || memcmp(c->p, word, n) != 0) return -1;
    c->p += n;
    return 0;
}

static int scan_value(cursor *c, int depth, span *out);

static int scan_container(cursor *c, int depth, int is_object) {
    if (depth >= MAX_DEPTH) return -1;
    unsigned char close = is_object ? '}' : ']';
    span ignored;
    c->p++;
    skip_ws(c);
    if (c->p < c->end && *c->p == close) {
        c->p++;
        return 0;
    }
    for (;;) {
        if (is_object) {
            if (!(c->p < c->end && *c->p == '"') || scan_string(c, &ignored) < 0) return -1;
            skip_ws(c);
            if (!(c->p < c->end && *c->p == ':')) return -1;
            c->p++;
            skip_ws(c);
        }
        if (scan_value(c, depth + 1, &ignored) < 0) return -1;
        skip_ws(c);
        if (c->p < c->end && *c->p == ',') {
            c->p++;
            skip_ws(c);
            continue;
        }
        if (c->p < c->end && *c->p == close) {
            c->p++;
            return 0;
        }
        return -1;
    }
}

static int scan_value(cursor *c, int depth, span *out) {
    out->start = c->p;
    out->is_string = 0;
    out->escaped = 0;
    if (c->p >= c->end) return -1;
    int status;
    switch (*c->p) {
    case '"': return scan_string(c, out);
    case '{': status = scan_container(c, depth, 1); break;
    case '[': status = scan_container(c, depth, 0); break;
    case 't': status = scan_literal(c, "true", 4); break;
    case 'f': status = scan_literal(c, "false", 5); break;
    case 'n': status = scan_literal(c, "null", 4); break;
    default: status = scan_number(c);
    }
    out->stop = c->p;
    return status;
}

static Py_ssize_t scan_text(cursor *c, const uint32_t *table, uint64_t *out, Py_ssize_t *chars);

/* A line that is one JSON object; the spans of the members named `text_key`
 * and `id_key` and "date" (the last of each, as json.loads keeps). Returns 0,
 * or -1 when the Python path must decide. */
/* Top-level keys that name a field cleaner dedup adds. */
static int is_our_field(const unsigned char *key, Py_ssize_t n) {
    static const char *names[] = {"duplicate_of", "cluster", "similarity", "contained_in", "containment"};
    for (int i = 0; i < 5; i++)
        if ((size_t)n == strlen(names[i]) && memcmp(key, names[i], (size_t)n) == 0) return 1;
    return 0;
}

static int scan_line(const unsigned char *line, Py_ssize_t length, const char *text_key,
                     Py_ssize_t text_len, const char *id_key, Py_ssize_t id_len, span *id,
                     span *date, const uint32_t *table, uint64_t *out, Py_ssize_t *n_tokens,
                     Py_ssize_t *chars, int *ours) {
    cursor c = {line, line + length};
    int text_ok = 0;
    *ours = 0;
    id->start = date->start = NULL;
    skip_ws(&c);
    if (!(c.p < c.end && *c.p == '{')) return -1;
    c.p++;
    skip_ws(&c);
    if (c.p < c.end && *c.p == '}') {
        c.p++;
    } else {
        for (;;) {
            span key, value;
            if (!(c.p < c.end && *c.p == '"') || scan_string(&c, &key) < 0 || key.escaped) return -1;
            skip_ws(&c);
            if (!(c.p < c.end && *c.p == ':')) return -1;
            c.p++;
            skip_ws(&c);
            Py_ssize_t n = key.stop - key.start;
            if (n == text_len && memcmp(key.start, text_key, n) == 0) {
                text_ok = c.p < c.end && *c.p == '"';
                if (text_ok) {
                    *n_tokens = scan_text(&c, table, out, chars);
                    if (*n_tokens < 0) return -1;
                    value.start = NULL;
                } else if (scan_value(&c, 1, &value) < 0) {
                    return -1;
                }
            } else if (scan_value(&c, 1, &value) < 0) {
                return -1;
            }
            if (n == id_len && memcmp(key.start, id_key, n) == 0) *id = value;
            if (n == 4 && memcmp(key.start, "date", 4) == 0) *date = value;
            if (is_our_field(key.start, n)) *ours = 1;
            skip_ws(&c);
            if (c.p < c.end && *c.p == ',') {
                c.p++;
                skip_ws(&c);
                continue;
            }
            if (c.p < c.end && *c.p == '}') {
                c.p++;
                break;
            }
            return -1;
        }
    }
    skip_ws(&c);
    if (c.p != c.end) return -1;
    return text_ok ? 0 : -1;
}

/* The text member's string, validated and tokenised in one pass: c->p at
 * the opening quote, `out` with room for its byte length + 1. Returns the
 * number of tokens, or -1 when the string is invalid or needs the slow path
 * (the line then goes to Python). *chars is the decoded length in code
 * points (what len() of the str says). */
static Py_ssize_t scan_text(cursor *c, const uint32_t *table, uint64_t *out, Py_ssize_t *chars) {
    const unsigned char *p = c->p + 1, *end = c->end;
    token_state st = {0, 1, 0, 0};
    Py_ssize_t count = 0;
    for (;;) {
        if (p >= end) return -1;
        Py_UCS4 cp = *p;
        if (cp >= 0x80) {
            int n = utf8_length(p, end);
            if (n == 2) {
                cp = ((cp & 0x1F) << 6) | (p[1] & 0x3F);
            } else if (n == 3) {
                cp = ((cp & 0x0F) << 12) | ((p[1] & 0x3F) << 6) | (p[2] & 0x3F);
            } else if (n == 4) {
                cp = ((cp & 0x07) << 18) | ((p[1] & 0x3F) << 12) | ((p[2] & 0x3F) << 6) | (p[3] & 0x3F);
            } else {
                return -1;
            }
            p += n;
        } else if (cp == '"') {
            break;
        } else if (cp == '\\') {
            if (p + 1 >= end) return -1;
            unsigned char e = p[1];
            p += 2;
            switch (e) {
            case '"': case '\\': case '/': cp = e; break;
            case 'b': cp = '\b'; break;
            case 'f': cp = '\f'; break;
            case 'n': cp = '\n'; break;
            case 'r': cp = '\r'; break;
            case 't': cp = '\t'; break;
            case 'u': {
                if (end - p < 4) return -1;
                int v0 = hexval(p[0]), v1 = hexval(p[1]), v2 = hexval(p[2]), v3 = hexval(p[3]);
                if ((v0 | v1 | v2 | v3) < 0) return -1;
                cp = (Py_UCS4)((v0 << 12) | (v1 << 8) | (v2 << 4) | v3);
                p += 4;
                if (cp >= 0xD800 && cp <= 0xDBFF && end - p >= 6 && p[0] == '\\' && p[1] == 'u') {
                    int w0 = hexval(p[2]), w1 = hexval(p[3]), w2 = hexval(p[4]), w3 = hexval(p[5]);
                    Py_UCS4 low = (Py_UCS4)((w0 << 12) | (w1 << 8) | (w2 << 4) | w3);
                    if ((w0 | w1 | w2 | w3) >= 0 && low >= 0xDC00 && low <= 0xDFFF) {
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                        p += 6;
                    }
                }
                if (cp >= 0xD800 && cp <= 0xDFFF) return -1; /* lone surrogate: Python decides */
                break;
            }
            default: return -1;
            }
        } else if (cp < 0x20) {
            return -1;
        } else {
            p++;
        }
        count++;
        uint32_t entry = cp < 0x10000 ? table[cp] : astral_flags(cp, 0);
        if (entry & SLOW) return -1;
        token_step(&st, out, entry & FOLD_MASK, (entry & FOLD_WORD) != 0, (entry & FOLD_UNSPACED) != 0);
    }
    c->p = p + 1;
    *chars = count;
    return token_finish(&st, out);
}

