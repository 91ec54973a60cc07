/* Compiled kernel for cleaner.minhash: tokens, shingle hashes and MinHash
 * signatures of a batch of texts in one pass over their code points.
 *
 * It computes exactly what the numpy path in dedup/minhash.py computes (tests compare
 * the two on random and real texts); it exists because that path, however
 * vectorised, makes a dozen passes over temporary arrays per batch.
 *
 *   fingerprint(texts, ngram, a, b, table, prefolded) -> (sigs, counts, slow)
 *
 * texts     list of str
 * a, b      uint32 buffers: datasketch's affine32 permutation parameters
 * table     uint32 buffer of 65536 entries, one per BMP code point (tokens.py,
 *           `_kernel_table`): bits 0-20 its case fold, bit 24/25 word/unspaced
 *           flags of the code point itself, bit 26/27 those of its fold, bit 28
 *           "slow": folding it is not one code point, or the folded text might
 *           not be NFC (combining marks, second halves of compositions)
 * prefolded the texts are already casefolded and NFC: flags of the code point
 *           itself are used, and no text is sent back as slow
 * sigs      bytes, documents x num_perm uint32 (0xFFFFFFFF rows when empty)
 * counts    bytes, documents x uint32: distinct shingles per document
 * slow      indices of texts that need Python's casefold + NFC first (their
 *           rows are left empty); always [] when prefolded
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define P_TOKEN 0x9E3779B97F4A7C15ULL
#define Q_SHINGLE 0xC2B2AE3D27D4EB4FULL
#define FOLD_MASK 0x1FFFFFu
#define RAW_WORD (1u << 24)
#define RAW_UNSPACED (1u << 25)
#define FOLD_WORD (1u << 26)
#define FOLD_UNSPACED (1u << 27)
#define SLOW (1u << 28)

typedef struct {
    void *data;
    size_t size, capacity, item;
} vec;

static int vec_reserve(vec *v, size_t n) {
    if (n <= v->capacity) return 0;
    size_t cap = v->capacity ? v->capacity : 1024;
    while (cap < n) cap *= 2;
    void *grown = PyMem_Realloc(v->data, cap * v->item);
    if (!grown) return -1;
    v->data = grown;
    v->capacity = cap;
    return 0;
}

static inline uint32_t fold64(uint64_t v) { /* fmix64, low 32 bits */
    v ^= v >> 33;
    v *= 0xFF51AFD7ED558CCDULL;
    v ^= v >> 33;
    v *= 0xC4CEB9FE1A85EC53ULL;
    v ^= v >> 33;
    return (uint32_t)v;
}

static inline uint32_t fmix32(uint32_t h) {
    h ^= h >> 16;
    h *= 0x85EBCA6Bu;
    h ^= h >> 13;
    h *= 0xC2B2AE35u;
    return h ^ (h >> 16);
}

static inline int unspaced_astral(Py_UCS4 cp) {
    return (cp >= 0x20000 && cp <= 0x3134F);
}

/* Astral code points: flags straight from CPython's own tables (what
 * str.isalnum() uses). Only emoji/symbol blocks and CJK extensions are known
 * to need no folding or composition; any other astral code point sends the
 * text to the slow path unless it is prefolded. */
static inline uint32_t astral_flags(Py_UCS4 cp, int prefolded) {
    uint32_t flags = 0;
    if (Py_UNICODE_ISALNUM(cp)) {
        flags = RAW_WORD | FOLD_WORD;
        if (unspaced_astral(cp)) flags |= RAW_UNSPACED | FOLD_UNSPACED;
    }
    if (!prefolded && !(cp >= 0x1F000 && cp <= 0x1FAFF) && !(cp >= 0x20000 && cp <= 0x2F7FF) &&
        !(cp >= 0x30000 && cp <= 0x3FFFF))
        flags |= SLOW;
    return flags | (cp & FOLD_MASK);
}

/* Token state: the hash of the token being read, the power of P for its next
 * code point, and the number of finished tokens in `out`. */
typedef struct {
    uint64_t h, power;
    Py_ssize_t n;
    uint64_t in_token; /* 0 or 1 */
} token_state;

/* One code point into the token state. Word boundaries come every few
 * characters in no pattern a branch predictor can learn, so the common case
 * (word character or not, spaced script) is branch-free: `out[n]` is always
 * written and `n` only advances when a token ends. */
static inline __attribute__((always_inline)) void
token_step(token_state *st, uint64_t *out, uint32_t folded, int word, int unspaced) {
    if (__builtin_expect(unspaced, 0)) { /* its own token, ending the current one */
        out[st->n] = st->h;
        st->n += st->in_token;
        out[st->n++] = (uint64_t)folded;
        st->in_token = 0;
        return;
    }
    uint64_t keep = 0 - st->in_token;                  /* all ones inside a token */
    uint64_t pw = (st->power & keep) | (1 & ~keep);     /* power, or 1 for a new token */
    uint64_t hw = (st->h & keep) + (uint64_t)folded * pw;
    uint64_t wm = 0 - (uint64_t)word;
    out[st->n] = st->h;
    st->n += (Py_ssize_t)(st->in_token & (uint64_t)!word);
    st->h = (hw & wm) | (st->h & ~wm);
    st->power = ((pw * P_TOKEN) & wm) | (st->power & ~wm);
    st->in_token = (uint64_t)word;
}

static inline Py_ssize_t token_finish(token_state *st, uint64_t *out) {
    out[st->n] = st->h;
    return st->n + (Py_ssize_t)st->in_token;
}

/* Token hashes of one text's code points into `out` (room for length + 1);
 * returns the number of tokens, or -1 if the text must take the slow path.
 * Inlined with constant `kind` and `prefolded`, so each of the six loops is
 * specialised. */
static inline __attribute__((always_inline)) Py_ssize_t
tokenise_kind(const void *data, Py_ssize_t length, const int kind, const int prefolded,
              const uint32_t *table, uint64_t *out) {
    const uint32_t word_bit = prefolded ? RAW_WORD : FOLD_WORD;
    const uint32_t unspaced_bit = prefolded ? RAW_UNSPACED : FOLD_UNSPACED;
    token_state st = {0, 1, 0, 0};
    for (Py_ssize_t i = 0; i < length; i++) {
        Py_UCS4 cp = kind == 1 ? ((const Py_UCS1 *)data)[i]
                     : kind == 2 ? ((const Py_UCS2 *)data)[i] : ((const Py_UCS4 *)data)[i];
        uint32_t entry = (kind < 4 || cp < 0x10000) ? table[cp] : astral_flags(cp, prefolded);
        if (!prefolded && (entry & SLOW)) return -1;
        uint32_t folded = prefolded ? cp : (entry & FOLD_MASK);
        token_step(&st, out, folded, (entry & word_bit) != 0, (entry & unspaced_bit) != 0);
    }
    return token_finish(&st, out);
}

/* Token hashes of one text into `tokens`; returns 1 if the text must take the
 * slow path, -1 on memory error, 0 otherwise. */
static int tokenise(PyObject *text, const uint32_t *table, int prefolded, vec *tokens) {
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t length = PyUnicode_GET_LENGTH(text), n;
    if (vec_reserve(tokens, (size_t)length + 1) < 0) return -1;
    uint64_t *out = tokens->data;
    if (prefolded) {
        n = kind == 1 ? tokenise_kind(data, length, 1, 1, table, out)
            : kind == 2 ? tokenise_kind(data, length, 2, 1, table, out)
                        : tokenise_kind(data, length, 4, 1, table, out);
    } else {
        n = kind == 1 ? tokenise_kind(data, length, 1, 0, table, out)
            : kind == 2 ? tokenise_kind(data, length, 2, 0, table, out)
                        : tokenise_kind(data, length, 4, 0, table, out);
    }
    if (n < 0) return 1;
    tokens->size = (size_t)n;
    return 0;
}

/* Insert into an open-addressing set of 32-bit values (stored +1, 0 = empty);
 * returns 1 when the value is new. */
static inline int set_insert(uint64_t *slots, size_t mask, uint32_t value) {
    size_t i = (size_t)(value * 0x9E3779B1u) & mask;
    uint64_t stored = (uint64_t)value + 1;
    while (slots[i]) {
        if (slots[i] == stored) return 0;
        i = (i + 1) & mask;
    }
    slots[i] = stored;
    return 1;
}

#define PERM_BLOCK 32

/* sig[k] = min(sig[k], a[k] * x + b[k]) over all values x. Permutations go in
 * blocks of 32 whose minima, a and b stay in vector registers while the
 * values stream past. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("avx2", "sse4.1", "default")))
#endif
static void minimise(uint32_t *sig, const uint32_t *a, const uint32_t *b, int num_perm,
                     const uint32_t *values, size_t count) {
    int k0 = 0;
    for (; k0 + PERM_BLOCK <= num_perm; k0 += PERM_BLOCK) {
        uint32_t acc[PERM_BLOCK], ak[PERM_BLOCK], bk[PERM_BLOCK];
        for (int k = 0; k < PERM_BLOCK; k++) {
            acc[k] = sig[k0 + k];
            ak[k] = a[k0 + k];
            bk[k] = b[k0 + k];
        }
        for (size_t s = 0; s < count; s++) {
            uint32_t x = values[s];
            for (int k = 0; k < PERM_BLOCK; k++) {
                uint32_t v = ak[k] * x + bk[k];
                acc[k] = v < acc[k] ? v : acc[k];
            }
        }
        for (int k = 0; k < PERM_BLOCK; k++) sig[k0 + k] = acc[k];
    }
    for (size_t s = 0; s < count && k0 < num_perm; s++) {
        uint32_t x = values[s];
        for (int k = k0; k < num_perm; k++) {
            uint32_t v = a[k] * x + b[k];
            sig[k] = v < sig[k] ? v : sig[k];
        }
    }
}

/* Shingles of one document's token hashes, deduplicated, minimised into
 * `sig` (num_perm values, preset to 0xFFFFFFFF); returns the number of
 * distinct shingles, or -1 on memory error. */
static Py_ssize_t sign_tokens(const uint64_t *th, size_t n_tokens, int ngram, const uint32_t *a,
                              const uint32_t *b, int num_perm, uint32_t *sig, vec *shingles,
                              vec *slots) {
    if (n_tokens == 0) return 0;
    size_t n_shingles = n_tokens >= (size_t)ngram ? n_tokens - ngram + 1 : 1;
    size_t width = n_tokens >= (size_t)ngram ? (size_t)ngram : n_tokens;
    size_t capacity = 16;
    while (capacity < 2 * n_shingles) capacity *= 2;
    if (vec_reserve(shingles, n_shingles) < 0 || vec_reserve(slots, capacity) < 0) return -1;
    uint64_t *set = slots->data;
    memset(set, 0, capacity * sizeof(uint64_t));
    uint32_t *distinct = shingles->data;
    size_t n_distinct = 0;
    for (size_t s = 0; s < n_shingles; s++) {
        uint64_t h = 0, q = 1;
        for (size_t t = 0; t < width; t++) {
            h += th[s + t] * q;
            q *= Q_SHINGLE;
        }
        uint32_t value = fold64(h);
        if (set_insert(set, capacity - 1, value)) distinct[n_distinct++] = fmix32(value);
    }
    minimise(sig, a, b, num_perm, distinct, n_distinct);
    return (Py_ssize_t)n_distinct;
}

/* What both entry points share: the permutation and table buffers, the
 * signature and count outputs, and the work space reused across documents. */
typedef struct {
    Py_buffer a_buf, b_buf, table_buf;
    const uint32_t *a, *b, *table;
    int ngram, num_perm;
    PyObject *sigs, *counts;
    uint32_t *sig_out, *count_out;
    vec tokens, shingles, slots;
} batch;

/* Check the arguments and allocate the outputs for `docs` documents
 * (signatures preset to empty); -1 with an exception set on failure. */
static int batch_open(batch *bt, Py_ssize_t docs, const char *name) {
    bt->tokens = (vec){NULL, 0, 0, sizeof(uint64_t)};
    bt->shingles = (vec){NULL, 0, 0, sizeof(uint32_t)};
    bt->slots = (vec){NULL, 0, 0, sizeof(uint64_t)};
    bt->sigs = bt->counts = NULL;
    bt->num_perm = (int)(bt->a_buf.len / 4);
    if (bt->ngram < 1 || bt->b_buf.len != bt->a_buf.len || bt->table_buf.len != 65536 * 4) {
        PyErr_Format(PyExc_ValueError, "%s: bad ngram, permutations or table", name);
        return -1;
    }
    bt->a = bt->a_buf.buf;
    bt->b = bt->b_buf.buf;
    bt->table = bt->table_buf.buf;
    bt->sigs = PyBytes_FromStringAndSize(NULL, docs * bt->num_perm * 4);
    bt->counts = PyBytes_FromStringAndSize(NULL, docs * 4);
    if (!bt->sigs || !bt->counts) return -1;
    bt->sig_out = (uint32_t *)PyBytes_AS_STRING(bt->sigs);
    bt->count_out = (uint32_t *)PyBytes_AS_STRING(bt->counts);
    memset(bt->sig_out, 0xFF, (size_t)docs * bt->num_perm * 4);
    memset(bt->count_out, 0, (size_t)docs * 4);
    return 0;
}

/* Document d's signature from its token hashes; -1 (MemoryError set) on failure. */
static int batch_sign(batch *bt, Py_ssize_t d, size_t n_tokens) {
    Py_ssize_t n = sign_tokens(bt->tokens.data, n_tokens, bt->ngram, bt->a, bt->b, bt->num_perm,
                               bt->sig_out + (size_t)d * bt->num_perm, &bt->shingles, &bt->slots);
    if (n < 0) {
        PyErr_NoMemory();
        return -1;
    }
    bt->count_out[d] = (uint32_t)n;
    return 0;
}

static void batch_close(batch *bt) {
    Py_XDECREF(bt->sigs);
    Py_XDECREF(bt->counts);
    PyMem_Free(bt->tokens.data);
    PyMem_Free(bt->shingles.data);
    PyMem_Free(bt->slots.data);
    PyBuffer_Release(&bt->a_buf);
    PyBuffer_Release(&bt->b_buf);
    PyBuffer_Release(&bt->table_buf);
}

static PyObject *fingerprint(PyObject *self, PyObject *args) {
    PyObject *texts;
    int prefolded;
    batch bt;
    if (!PyArg_ParseTuple(args, "O!iy*y*y*p", &PyList_Type, &texts, &bt.ngram, &bt.a_buf, &bt.b_buf,
                          &bt.table_buf, &prefolded))
        return NULL;
    PyObject *result = NULL, *slow = NULL;
    Py_ssize_t docs = PyList_GET_SIZE(texts);
    if (batch_open(&bt, docs, "fingerprint") < 0 || !(slow = PyList_New(0))) goto done;
    for (Py_ssize_t d = 0; d < docs; d++) {
        PyObject *text = PyList_GET_ITEM(texts, d);
        if (!PyUnicode_Check(text)) {
            PyErr_SetString(PyExc_TypeError, "fingerprint: texts must be str");
            goto done;
        }
        int status = tokenise(text, bt.table, prefolded, &bt.tokens);
        if (status < 0) {
            PyErr_NoMemory();
            goto done;
        }
        if (status == 1) {
            PyObject *index = PyLong_FromSsize_t(d);
            if (!index || PyList_Append(slow, index) < 0) {
                Py_XDECREF(index);
                goto done;
            }
            Py_DECREF(index);
            continue;
        }
        if (batch_sign(&bt, d, bt.tokens.size) < 0) goto done;
    }
    result = Py_BuildValue("(OOO)", bt.sigs, bt.counts, slow);
done:
    Py_XDECREF(slow);
    batch_close(&bt);
    return result;
}

#include "_jsonscan.h"

/* fingerprint_json(lines, text_key, id_key, ngram, a, b, table)
 *   -> (sigs, counts, spans)
 * spans: int64 x 6 per line: status (bit 0: Python must decide; bit 1: a
 * top-level key names a field cleaner dedup adds),
 * text length in code points, id value start/stop and date value start/stop
 * (byte offsets into the line, -1 when absent). */
static PyObject *fingerprint_json(PyObject *self, PyObject *args) {
    PyObject *lines;
    const char *text_key, *id_key;
    Py_ssize_t text_len, id_len;
    batch bt;
    if (!PyArg_ParseTuple(args, "O!y#y#iy*y*y*", &PyList_Type, &lines, &text_key, &text_len, &id_key,
                          &id_len, &bt.ngram, &bt.a_buf, &bt.b_buf, &bt.table_buf))
        return NULL;
    PyObject *result = NULL, *spans = NULL;
    Py_ssize_t docs = PyList_GET_SIZE(lines);
    if (batch_open(&bt, docs, "fingerprint_json") < 0 ||
        !(spans = PyBytes_FromStringAndSize(NULL, docs * 6 * 8)))
        goto done;
    int64_t *span_out = (int64_t *)PyBytes_AS_STRING(spans);
    for (Py_ssize_t d = 0; d < docs; d++) {
        PyObject *line = PyList_GET_ITEM(lines, d);
        int64_t *row = span_out + d * 6;
        row[0] = 1;
        row[1] = 0;
        row[2] = row[3] = row[4] = row[5] = -1;
        if (!PyBytes_Check(line)) continue;
        const unsigned char *data = (const unsigned char *)PyBytes_AS_STRING(line);
        Py_ssize_t length = PyBytes_GET_SIZE(line);
        span id = {0}, date = {0};
        if (vec_reserve(&bt.tokens, (size_t)length + 1) < 0) {
            PyErr_NoMemory();
            goto done;
        }
        Py_ssize_t chars = 0, n_tokens = 0;
        int ours = 0;
        if (scan_line(data, length, text_key, text_len, id_key, id_len, &id, &date, bt.table,
                      bt.tokens.data, &n_tokens, &chars, &ours) < 0)
            continue;
        if (batch_sign(&bt, d, (size_t)n_tokens) < 0) goto done;
        row[0] = ours ? 2 : 0;
        row[1] = chars;
        if (id.start) {
            row[2] = id.start - data - (id.is_string ? 1 : 0);
            row[3] = id.stop - data + (id.is_string ? 1 : 0);
        }
        if (date.start) {
            row[4] = date.start - data - (date.is_string ? 1 : 0);
            row[5] = date.stop - data + (date.is_string ? 1 : 0);
        }
    }
    result = Py_BuildValue("(OOO)", bt.sigs, bt.counts, spans);
done:
    Py_XDECREF(spans);
    batch_close(&bt);
    return result;
}

/* Characters of scripts written without spaces, as lines._UNSPACED lists them. */
static inline int unspaced_script(Py_UCS4 cp) {
    return (cp >= 0x3040 && cp <= 0x30FF) || (cp >= 0x3400 && cp <= 0x9FFF) || (cp >= 0xAC00 && cp <= 0xD7AF) ||
           (cp >= 0x0E00 && cp <= 0x0E7F);
}

/* str.isspace of one code point, without a call into the Unicode database for
 * the letters of most scripts (Python's whitespace above ASCII: U+0085, U+00A0,
 * U+1680, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000). */
static inline int is_space(Py_UCS4 cp) {
    if (cp < 128) return Py_UNICODE_ISSPACE(cp);
    if (cp < 0x1680) return cp == 0x85 || cp == 0xA0;
    if (cp < 0x2000) return cp == 0x1680;
    return cp <= 0x3000 && Py_UNICODE_ISSPACE(cp);
}

/* line_key's scan over a string of one kind: the kind is fixed per loop, not
 * read for every character. Returns -1 at a character that needs Python. */
#define LINE_KEY_SCAN(TYPE)                                                   \
    for (Py_ssize_t i = 0; i < length; i++) {                                 \
        Py_UCS4 cp = ((const TYPE *)data)[i];                                 \
        uint32_t entry = cp < 0x10000 ? table[cp] : astral_flags(cp, 0);      \
        if (entry & SLOW) return -1;                                          \
        Py_UCS4 folded = entry & FOLD_MASK;                                   \
        if (cp >= 0x0E00) unspaced += unspaced_script(cp);                    \
        if (is_space(folded)) {                                               \
            in_space = 1;                                                     \
        } else {                                                              \
            if (in_space && n_norm) norm[n_norm++] = ' ';                     \
            in_space = 0;                                                     \
            norm[n_norm++] = folded;                                          \
        }                                                                     \
        if (entry & FOLD_WORD) {                                              \
            if (!in_word) {                                                   \
                if (n_key) key[n_key++] = ' ';                                \
                words++;                                                      \
                in_word = 1;                                                  \
            }                                                                 \
            key[n_key++] = folded;                                            \
        } else {                                                              \
            in_word = 0;                                                      \
        }                                                                     \
    }

static int line_key_scan(int kind, const void *data, Py_ssize_t length, const uint32_t *table,
                         Py_UCS4 *norm, Py_UCS4 *key, Py_ssize_t sizes[4]) {
    Py_ssize_t n_norm = 0, n_key = 0, words = 0, unspaced = 0;
    int in_word = 0, in_space = 0;
    if (kind == PyUnicode_1BYTE_KIND) {
        LINE_KEY_SCAN(Py_UCS1)
    } else if (kind == PyUnicode_2BYTE_KIND) {
        LINE_KEY_SCAN(Py_UCS2)
    } else {
        LINE_KEY_SCAN(Py_UCS4)
    }
    sizes[0] = n_norm, sizes[1] = n_key, sizes[2] = words, sizes[3] = unspaced;
    return 0;
}

/* One line's normal form and word key: what lexicon.normalise gives (casefolded,
 * whitespace runs collapsed to one space, trimmed), and its word-character runs
 * joined by single spaces (" ".join(re.findall(r"\w+", norm))), with the number
 * of runs and of unspaced-script characters. None when the line holds a
 * character whose folding needs Python (the table's slow bit). */
static PyObject *line_key(PyObject *line, const uint32_t *table, Py_UCS4 *norm, Py_UCS4 *key) {
    Py_ssize_t sizes[4];
    if (line_key_scan(PyUnicode_KIND(line), PyUnicode_DATA(line), PyUnicode_GET_LENGTH(line), table, norm,
                      key, sizes) < 0)
        Py_RETURN_NONE;
    PyObject *norm_text = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, norm, sizes[0]);
    PyObject *key_text = norm_text ? PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, key, sizes[1]) : NULL;
    if (!key_text) {
        Py_XDECREF(norm_text);
        return NULL;
    }
    return Py_BuildValue("(NNnn)", norm_text, key_text, sizes[2], sizes[3]);
}

static PyObject *line_keys(PyObject *self, PyObject *args) {
    PyObject *lines, *result = NULL;
    Py_buffer table_buf;
    Py_UCS4 *norm = NULL, *key = NULL;
    if (!PyArg_ParseTuple(args, "O!y*", &PyList_Type, &lines, &table_buf)) return NULL;
    Py_ssize_t count = PyList_GET_SIZE(lines), longest = 1;
    if (table_buf.len != 65536 * 4) {
        PyErr_SetString(PyExc_ValueError, "line_keys: bad table");
        goto done;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *line = PyList_GET_ITEM(lines, i);
        if (!PyUnicode_Check(line)) {
            PyErr_SetString(PyExc_TypeError, "line_keys: lines must be str");
            goto done;
        }
        if (PyUnicode_GET_LENGTH(line) > longest) longest = PyUnicode_GET_LENGTH(line);
    }
    /* Neither form is longer than its line: at most one code point per
     * character, one space per run of others. */
    norm = PyMem_Malloc(longest * sizeof(Py_UCS4));
    key = PyMem_Malloc(longest * sizeof(Py_UCS4));
    result = PyList_New(count);
    if (!norm || !key || !result) {
        if (result) PyErr_NoMemory(); /* else PyList_New has set it */
        Py_CLEAR(result);
        goto done;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *item = line_key(PyList_GET_ITEM(lines, i), table_buf.buf, norm, key);
        if (!item) {
            Py_CLEAR(result);
            goto done;
        }
        PyList_SET_ITEM(result, i, item);
    }
done:
    PyMem_Free(norm);
    PyMem_Free(key);
    PyBuffer_Release(&table_buf);
    return result;
}

/* How many times a lower-case character is followed by an upper-case one
 * (str.islower and str.isupper of single characters): the chrome rules'
 * test for menu items that lost the spaces between them. White space is
 * neither, so no pair spans two words. */
static PyObject *case_cuts(PyObject *self, PyObject *text) {
    if (!PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "case_cuts: text must be str");
        return NULL;
    }
    Py_ssize_t n = PyUnicode_GET_LENGTH(text), cuts = 0;
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    int previous_lower = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (c < 0x80) {  /* ASCII: the common case, without the Unicode tables */
            cuts += previous_lower && c >= 'A' && c <= 'Z';
            previous_lower = c >= 'a' && c <= 'z';
        } else {
            cuts += previous_lower && Py_UNICODE_ISUPPER(c);
            previous_lower = Py_UNICODE_ISLOWER(c);
        }
    }
    return PyLong_FromSsize_t(cuts);
}

/* UTF-8 bytes of a str, lone surrogates counted as "surrogatepass" writes
 * them (3 bytes): len(text.encode("utf-8", "surrogatepass")) without the
 * copy, which for text beyond Latin-1 is a transcoding of the whole text. */
static PyObject *text_utf8_length(PyObject *self, PyObject *text) {
    if (!PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "utf8_length: text must be str");
        return NULL;
    }
    Py_ssize_t n = PyUnicode_GET_LENGTH(text), bytes = n;
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    if (kind == PyUnicode_1BYTE_KIND) {
        const Py_UCS1 *c = data;
        for (Py_ssize_t i = 0; i < n; i++) bytes += c[i] >> 7;
    } else if (kind == PyUnicode_2BYTE_KIND) {
        const Py_UCS2 *c = data;
        for (Py_ssize_t i = 0; i < n; i++) bytes += (c[i] >= 0x80) + (c[i] >= 0x800);
    } else {
        const Py_UCS4 *c = data;
        for (Py_ssize_t i = 0; i < n; i++)
            bytes += (c[i] >= 0x80) + (c[i] >= 0x800) + (c[i] >= 0x10000);
    }
    return PyLong_FromSsize_t(bytes);
}

/* Compact JSON (as orjson writes it: no white space) with a space after each
 * comma and colon outside strings, and a newline at the end: json.dumps's
 * separators (", ", ": "), so that a record serialised by orjson in one call
 * reads byte for byte as the standard library writes it. A string literal is
 * copied whole: its closing quote is the first one (memchr) preceded by an
 * even run of backslashes. */
static PyObject *spaced_json_line(PyObject *self, PyObject *compact) {
    if (!PyBytes_Check(compact)) {
        PyErr_SetString(PyExc_TypeError, "spaced_json_line: compact JSON must be bytes");
        return NULL;
    }
    const char *in = PyBytes_AS_STRING(compact);
    Py_ssize_t n = PyBytes_GET_SIZE(compact);
    /* At most one space per input byte, and the newline. */
    PyObject *line = PyBytes_FromStringAndSize(NULL, 2 * n + 1);
    if (!line) return NULL;
    char *start = PyBytes_AS_STRING(line), *out = start;
    Py_ssize_t i = 0;
    while (i < n) {
        char c = in[i];
        if (c != '"') {
            *out++ = c;
            if (c == ',' || c == ':') *out++ = ' ';
            i++;
            continue;
        }
        Py_ssize_t end = n - 1; /* unterminated (never from orjson): copy the rest */
        const char *from = in + i + 1;
        while (from < in + n) {
            const char *quote = memchr(from, '"', (size_t)(in + n - from));
            if (!quote) break;
            const char *back = quote;
            while (back > in + i + 1 && back[-1] == '\\') back--;
            if ((quote - back) % 2 == 0) {
                end = quote - in;
                break;
            }
            from = quote + 1;
        }
        memcpy(out, in + i, (size_t)(end - i + 1));
        out += end - i + 1;
        i = end + 1;
    }
    *out++ = '\n';
    if (_PyBytes_Resize(&line, out - start) < 0) return NULL;
    return line;
}

static PyMethodDef methods[] = {
    {"case_cuts", case_cuts, METH_O,
     "case_cuts(text) -> how many lower-case characters run into an upper-case one"},
    {"utf8_length", text_utf8_length, METH_O,
     "utf8_length(text) -> len(text.encode('utf-8', 'surrogatepass'))"},
    {"fingerprint", fingerprint, METH_VARARGS,
     "fingerprint(texts, ngram, a, b, table, prefolded) -> (sigs, counts, slow)"},
    {"fingerprint_json", fingerprint_json, METH_VARARGS,
     "fingerprint_json(lines, text_key, id_key, ngram, a, b, table) -> (sigs, counts, spans)"},
    {"line_keys", line_keys, METH_VARARGS,
     "line_keys(lines, table) -> [(norm, key, words, unspaced) or None per line]"},
    {"spaced_json_line", spaced_json_line, METH_O,
     "spaced_json_line(compact) -> the JSON with ', ' and ': ' separators, and a newline"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_fingerprint",
                                    "MinHash fingerprints of texts (compiled kernel).", -1, methods};

PyMODINIT_FUNC PyInit__fingerprint(void) { return PyModule_Create(&module); }
