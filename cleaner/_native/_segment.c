/* Compiled walks over an lxml tree's libxml2 nodes, for cleaner.pageblocks
 * and cleaner.extract:
 *
 *   configure(block_tags, skip_tags, cell_tags, bold_tags, tag_bits, hints, hint_attributes,
 *             role_bits, concealed_bit)
 *       the walk's vocabulary, given once by extract/pageblocks.py (its single source);
 *   page_walk(element) -> (texts, block_rows, tags, element_rows), or None
 *       a page's blocks and the elements around them, as pageblocks.python_walk
 *       computes them (tests compare the two on real pages and generated markup);
 *   shown_texts(element, tags, max_children, max_chars) -> set of str, or None
 *       the texts of its short elements (where the headline is looked for).
 *
 * They read libxml2's nodes directly instead of making a Python object for
 * every element, text and attribute (the Python walk was a third of a web
 * page's time). None means "not a tree this walk reads the way lxml would"
 * (a namespaced element, an attribute or text holding entity references,
 * text that is not UTF-8): the caller then runs the Python walk.
 *
 * The node structures are read, never written, and the GIL is held
 * throughout. Only their first fields are declared here (the layouts below
 * are libxml2's public `xmlNode`/`xmlAttr` and lxml's public `LxmlElement`,
 * unchanged for well over a decade), so building needs neither library's
 * headers; extract/pageblocks.py checks the walk against the Python one on a probe
 * page before using it.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

enum { ELEMENT_NODE = 1, TEXT_NODE = 3, CDATA_NODE = 4, ENTITY_REF_NODE = 5, PI_NODE = 7,
       COMMENT_NODE = 8, XINCLUDE_START = 19, XINCLUDE_END = 20 };

typedef struct Ns {
    struct Ns *next;
    int type;
    const unsigned char *href;
    const unsigned char *prefix;
} Ns;

typedef struct Node {
    void *private_;
    int type;
    const unsigned char *name;
    struct Node *children, *last, *parent, *next, *prev;
    void *doc;
    Ns *ns;
    unsigned char *content;
    struct Attr *properties;
} Node;

typedef struct Attr {
    void *private_;
    int type;
    const unsigned char *name;
    Node *children, *last, *parent;
    struct Attr *next, *prev;
    void *doc;
    Ns *ns;
} Attr;

typedef struct {
    PyObject_HEAD
    void *doc;
    Node *c_node;
} LxmlElement;

static PyTypeObject *element_type; /* lxml.etree._Element */

/* ---- UTF-8 and Python's notion of white space (str.isspace, str.split) ---- */

/* The code point at s (n bytes left), its length in *len; -1 if malformed. */
static long next_code_point(const unsigned char *s, Py_ssize_t n, int *len) {
    unsigned char c = s[0];
    if (c < 0x80) { *len = 1; return c; }
    if (c >= 0xC2 && c <= 0xDF && n >= 2 && (s[1] & 0xC0) == 0x80) {
        *len = 2;
        return ((long)(c & 0x1F) << 6) | (s[1] & 0x3F);
    }
    if (c >= 0xE0 && c <= 0xEF && n >= 3 && (s[1] & 0xC0) == 0x80 && (s[2] & 0xC0) == 0x80) {
        long cp = ((long)(c & 0x0F) << 12) | ((long)(s[1] & 0x3F) << 6) | (s[2] & 0x3F);
        if (cp < 0x800) return -1;
        *len = 3;
        return cp;
    }
    if (c >= 0xF0 && c <= 0xF4 && n >= 4 && (s[1] & 0xC0) == 0x80 && (s[2] & 0xC0) == 0x80 &&
        (s[3] & 0xC0) == 0x80) {
        long cp = ((long)(c & 0x07) << 18) | ((long)(s[1] & 0x3F) << 12) | ((long)(s[2] & 0x3F) << 6) |
                  (s[3] & 0x3F);
        if (cp < 0x10000 || cp > 0x10FFFF) return -1;
        *len = 4;
        return cp;
    }
    return -1;
}

static int is_space(long cp) {
    if (cp < 0x80) return (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20);
    return cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 ||
           cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

/* len(text.strip()) in code points; -1 if text is not UTF-8. */
static Py_ssize_t stripped_length(const unsigned char *s, Py_ssize_t n) {
    Py_ssize_t count = 0, trailing = 0;
    int started = 0, len;
    for (Py_ssize_t i = 0; i < n; i += len) {
        long cp = next_code_point(s + i, n - i, &len);
        if (cp < 0) return -1;
        if (is_space(cp)) {
            if (started) trailing++;
        } else {
            started = 1;
            count += trailing + 1;
            trailing = 0;
        }
    }
    return count;
}

/* ---- the current block's text ---- */

typedef struct {
    unsigned char *data;
    Py_ssize_t size, capacity;
    Py_ssize_t chars, bold_chars, link_chars; /* stripped code points of the pieces added */
} Buffer;

/* Grow a heap array to at least `need` bytes, doubling from `initial`. */
static void *reserve(void *data, Py_ssize_t *capacity, Py_ssize_t need, Py_ssize_t initial) {
    if (need <= *capacity) return data;
    Py_ssize_t grown = *capacity ? *capacity : initial;
    while (grown < need) grown *= 2;
    void *moved = PyMem_Realloc(data, (size_t)grown);
    if (!moved) { PyErr_NoMemory(); return NULL; }
    *capacity = grown;
    return moved;
}

static int append(Buffer *b, const unsigned char *s, Py_ssize_t n) {
    unsigned char *data = reserve(b->data, &b->capacity, b->size + n, 1024);
    if (!data) return -1;
    b->data = data;
    memcpy(b->data + b->size, s, (size_t)n);
    b->size += n;
    return 0;
}


/* ---- dynamic arrays of fixed-size rows ---- */

typedef struct {
    char *data;
    Py_ssize_t size, capacity; /* bytes */
} Rows;

static int push_row(Rows *r, const void *row, Py_ssize_t n) {
    char *data = reserve(r->data, &r->capacity, r->size + n, 4096);
    if (!data) return -1;
    r->data = data;
    memcpy(r->data + r->size, row, (size_t)n);
    r->size += n;
    return 0;
}

/* ---- the vocabulary (configure) ---- */

typedef struct {
    char **names;
    long long *bits;
    Py_ssize_t count;
} Names;

typedef struct {
    long long bit;
    Names parts, whole;
} Hint;

static Names block_tags, skip_tags, cell_tags, bold_tags, tag_bits, hint_attributes, role_bits;
static Hint *hints;
static Py_ssize_t hint_count;
static long long concealed_bit;
static int configured;

static void free_names(Names *n) {
    for (Py_ssize_t i = 0; i < n->count; i++) PyMem_Free(n->names[i]);
    PyMem_Free(n->names);
    PyMem_Free(n->bits);
    n->names = NULL;
    n->bits = NULL;
    n->count = 0;
}

static char *copy_utf8(PyObject *text) {
    Py_ssize_t size;
    const char *utf8 = PyUnicode_AsUTF8AndSize(text, &size);
    if (!utf8) return NULL;
    char *out = PyMem_Malloc((size_t)size + 1);
    if (!out) { PyErr_NoMemory(); return NULL; }
    memcpy(out, utf8, (size_t)size + 1);
    return out;
}

/* Names from a sequence of str, or (with a dict) its keys with int values as bits. */
static int read_names(Names *n, PyObject *source) {
    free_names(n);
    PyObject *keys = PyDict_Check(source) ? PyDict_Keys(source) : PySequence_List(source);
    if (!keys) return -1;
    Py_ssize_t count = PyList_GET_SIZE(keys);
    n->names = PyMem_Calloc((size_t)(count ? count : 1), sizeof(char *));
    n->bits = PyMem_Calloc((size_t)(count ? count : 1), sizeof(long long));
    if (!n->names || !n->bits) { Py_DECREF(keys); PyErr_NoMemory(); return -1; }
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *key = PyList_GET_ITEM(keys, i);
        if (!PyUnicode_Check(key)) { Py_DECREF(keys); PyErr_SetString(PyExc_TypeError, "names must be str"); return -1; }
        n->names[i] = copy_utf8(key);
        if (!n->names[i]) { Py_DECREF(keys); return -1; }
        n->count = i + 1;
        if (PyDict_Check(source)) {
            n->bits[i] = PyLong_AsLongLong(PyDict_GetItem(source, key));
            if (n->bits[i] == -1 && PyErr_Occurred()) { Py_DECREF(keys); return -1; }
        }
    }
    Py_DECREF(keys);
    return 0;
}

/* The index of `name` in n, or -1. */
static Py_ssize_t find_name(const Names *n, const char *name) {
    for (Py_ssize_t i = 0; i < n->count; i++)
        if (strcmp(n->names[i], name) == 0) return i;
    return -1;
}

static PyObject *configure(PyObject *self, PyObject *args) {
    PyObject *blocks, *skips, *cells, *bolds, *tags, *hint_list, *attributes, *roles;
    long long concealed;
    if (!PyArg_ParseTuple(args, "OOOOO!OOO!L", &blocks, &skips, &cells, &bolds, &PyDict_Type, &tags,
                          &hint_list, &attributes, &PyDict_Type, &roles, &concealed))
        return NULL;
    configured = 0;
    if (read_names(&block_tags, blocks) < 0 || read_names(&skip_tags, skips) < 0 ||
        read_names(&cell_tags, cells) < 0 || read_names(&bold_tags, bolds) < 0 ||
        read_names(&tag_bits, tags) < 0 || read_names(&hint_attributes, attributes) < 0 ||
        read_names(&role_bits, roles) < 0)
        return NULL;
    for (Py_ssize_t i = 0; i < hint_count; i++) { free_names(&hints[i].parts); free_names(&hints[i].whole); }
    PyMem_Free(hints);
    hints = NULL;
    hint_count = 0;
    PyObject *list = PySequence_List(hint_list);
    if (!list) return NULL;
    Py_ssize_t count = PyList_GET_SIZE(list);
    hints = PyMem_Calloc((size_t)(count ? count : 1), sizeof(Hint));
    if (!hints) { Py_DECREF(list); return PyErr_NoMemory(); }
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *parts, *whole;
        if (!PyArg_ParseTuple(PyList_GET_ITEM(list, i), "LOO", &hints[i].bit, &parts, &whole)) {
            Py_DECREF(list);
            return NULL;
        }
        hint_count = i + 1;
        if (read_names(&hints[i].parts, parts) < 0 || read_names(&hints[i].whole, whole) < 0) {
            Py_DECREF(list);
            return NULL;
        }
    }
    Py_DECREF(list);
    concealed_bit = concealed;
    configured = 1;
    Py_RETURN_NONE;
}

/* ---- element flags (pageblocks.element_flags) ---- */

/* The value of an attribute without a namespace: *value is its text ("" for
 * an attribute without one), 1 if present, 0 if absent, -1 if its value is
 * not a single text node (entity references: left to Python). */
static int attribute(const Node *node, const char *name, const unsigned char **value) {
    for (const Attr *attr = node->properties; attr; attr = attr->next) {
        if (attr->ns != NULL || strcmp((const char *)attr->name, name) != 0) continue;
        if (!attr->children) { *value = (const unsigned char *)""; return 1; }
        if (attr->children->type != TEXT_NODE || attr->children->next) return -1;
        *value = attr->children->content ? attr->children->content : (const unsigned char *)"";
        return 1;
    }
    return 0;
}

static unsigned char ascii_lower(unsigned char c) { return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c; }

static int is_ascii_space(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

/* Whether a byte ends a whole word: an ASCII character other than a letter or digit. */
static int separates(unsigned char c) {
    return c < 0x80 && !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
}

/* pageblocks.hint_flags: the hint bits of one attribute value. */
static long long hint_bits(const unsigned char *value) {
    size_t n = strlen((const char *)value);
    char stack[256];
    char *lowered = n < sizeof stack ? stack : PyMem_Malloc(n + 1);
    if (!lowered) return -1;
    for (size_t i = 0; i < n; i++) lowered[i] = (char)ascii_lower(value[i]);
    lowered[n] = 0;
    long long bits = 0;
    for (Py_ssize_t h = 0; h < hint_count; h++) {
        const Hint *hint = &hints[h];
        int found = 0;
        for (Py_ssize_t k = 0; k < hint->parts.count && !found; k++)
            found = strstr(lowered, hint->parts.names[k]) != NULL;
        for (Py_ssize_t k = 0; k < hint->whole.count && !found; k++) {
            const char *word = hint->whole.names[k];
            size_t length = strlen(word);
            for (size_t at = 0; at + length <= n && !found; at++) {
                if ((at == 0 || separates((unsigned char)lowered[at - 1])) &&
                    memcmp(lowered + at, word, length) == 0 &&
                    (at + length == n || separates((unsigned char)lowered[at + length])))
                    found = 1;
            }
        }
        if (found) bits |= hint->bit;
    }
    if (lowered != stack) PyMem_Free(lowered);
    return bits;
}

/* The element's own flags; -1 if an attribute is left to Python. */
static long long element_flags(const Node *node) {
    long long bits = 0;
    Py_ssize_t at = find_name(&tag_bits, (const char *)node->name);
    if (at >= 0) bits |= tag_bits.bits[at];
    const unsigned char *value;
    for (Py_ssize_t i = 0; i < hint_attributes.count; i++) {
        int found = attribute(node, hint_attributes.names[i], &value);
        if (found < 0) return -1;
        if (found && *value) {
            long long more = hint_bits(value);
            if (more < 0) return -1;
            bits |= more;
        }
    }
    int found = attribute(node, "role", &value);
    if (found < 0) return -1;
    if (found && *value) {
        while (*value && is_ascii_space(*value)) value++;
        size_t n = strlen((const char *)value);
        while (n && is_ascii_space(value[n - 1])) n--;
        char role[64];
        if (n < sizeof role) {
            for (size_t i = 0; i < n; i++) role[i] = (char)ascii_lower(value[i]);
            role[n] = 0;
            Py_ssize_t r = find_name(&role_bits, role);
            if (r >= 0) bits |= role_bits.bits[r];
        }
    }
    found = attribute(node, "hidden", &value);
    if (found < 0) return -1;
    int concealed = found;
    if (!concealed) {
        found = attribute(node, "aria-hidden", &value);
        if (found < 0) return -1;
        concealed = found && strcmp((const char *)value, "true") == 0;
    }
    if (!concealed) {
        found = attribute(node, "style", &value);
        if (found < 0) return -1;
        if (found && *value) {
            size_t n = strlen((const char *)value), m = 0;
            char *squeezed = PyMem_Malloc(n + 1);
            if (!squeezed) return -1;
            for (size_t i = 0; i < n; i++)
                if (!is_ascii_space(value[i])) squeezed[m++] = (char)ascii_lower(value[i]);
            squeezed[m] = 0;
            concealed = strstr(squeezed, "display:none") != NULL || strstr(squeezed, "visibility:hidden") != NULL;
            PyMem_Free(squeezed);
        }
    }
    if (concealed) bits |= concealed_bit;
    return bits;
}

/* pageblocks._like_key: FNV-1a of tag, a NUL and class, as a signed 64-bit value. */
static long long like_key(const Node *node, int *unsupported) {
    uint64_t value = 0xCBF29CE484222325ULL;
    for (const unsigned char *p = node->name; *p; p++) value = (value ^ *p) * 0x100000001B3ULL;
    value = (value ^ 0) * 0x100000001B3ULL;
    const unsigned char *css;
    int found = attribute(node, "class", &css);
    if (found < 0) { *unsupported = 1; return 0; }
    if (found)
        for (const unsigned char *p = css; *p; p++) value = (value ^ *p) * 0x100000001B3ULL;
    return (long long)value;
}

/* ---- the page walk (pageblocks.python_walk) ---- */

typedef struct {
    Buffer text;
    PyObject *texts;   /* list of block texts */
    PyObject *tags;    /* list of element tags */
    Rows blocks;       /* int32 x 6 per block */
    Rows elements;     /* int64 x 7 per element */
    Rows open;         /* Py_ssize_t stack of open block elements */
    Py_ssize_t element_count, block_count;
    int unsupported;
} Walk;

/* python_walk's add(): a piece of text with its link and bold state. */
static int add(Walk *w, const unsigned char *s, Py_ssize_t n, int bold, int link) {
    Py_ssize_t size = stripped_length(s, n);
    if (size < 0) { w->unsupported = 1; return -1; }
    if (append(&w->text, s, n) < 0) return -1;
    w->text.chars += size;
    if (bold) w->text.bold_chars += size;
    if (link) w->text.link_chars += size;
    return 0;
}

/* The text of consecutive text and CDATA nodes from `node` on, added as one
 * piece, as lxml's _collectText reads .text and .tail (XInclude markers
 * skipped): a piece's stripped length is counted on the whole of it. */
static int add_text_nodes(Walk *w, Node *node, int bold, int link) {
    const unsigned char *single = NULL;
    Py_ssize_t single_length = 0;
    Buffer joined = {0};
    for (; node; node = node->next) {
        if (node->type == XINCLUDE_START || node->type == XINCLUDE_END) continue;
        if (node->type != TEXT_NODE && node->type != CDATA_NODE) break;
        if (!node->content || !node->content[0]) continue;
        Py_ssize_t length = (Py_ssize_t)strlen((const char *)node->content);
        if (!single && !joined.size) {
            single = node->content;
            single_length = length;
            continue;
        }
        if (!joined.size && append(&joined, single, single_length) < 0) goto fail;
        if (append(&joined, node->content, length) < 0) goto fail;
    }
    int status = 0;
    if (joined.size)
        status = add(w, joined.data, joined.size, bold, link);
    else if (single)
        status = add(w, single, single_length, bold, link);
    PyMem_Free(joined.data);
    return status;
fail:
    PyMem_Free(joined.data);
    return -1;
}


/* " ".join(text.split()) of UTF-8 text, as a str; NULL with *unsupported
 * set if the text is not UTF-8, NULL with an exception on failure. */
static PyObject *normalised(const unsigned char *s, Py_ssize_t size, int *unsupported) {
    unsigned char *out = PyMem_Malloc((size_t)(size ? size : 1));
    if (!out) return PyErr_NoMemory();
    Py_ssize_t n = 0;
    int pending = 0, len;
    for (Py_ssize_t i = 0; i < size; i += len) {
        long cp = next_code_point(s + i, size - i, &len);
        if (cp < 0) { PyMem_Free(out); *unsupported = 1; return NULL; }
        if (is_space(cp)) { pending = 1; continue; }
        if (pending && n) out[n++] = ' ';
        pending = 0;
        memcpy(out + n, s + i, (size_t)len);
        n += len;
    }
    PyObject *text = PyUnicode_DecodeUTF8((const char *)out, n, NULL);
    PyMem_Free(out);
    if (!text) { PyErr_Clear(); *unsupported = 1; }
    return text;
}


/* Whether lxml iterates `node` as a child (elements, comments, PIs, entities). */
static int is_child(const Node *node) {
    return node->type == ELEMENT_NODE || node->type == COMMENT_NODE || node->type == ENTITY_REF_NODE ||
           node->type == PI_NODE;
}


/* The libxml2 node of an lxml element; NULL with TypeError if it is not one. */
static Node *node_of(PyObject *element, const char *function) {
    if (!element_type || !PyObject_TypeCheck(element, element_type)) {
        PyErr_Format(PyExc_TypeError, "%s() needs an lxml element", function);
        return NULL;
    }
    return ((LxmlElement *)element)->c_node;
}

/* A walk's answer: its result, None when the tree is left to Python, or the
 * error. Steals `result`. */
static PyObject *answer(PyObject *result, int status, int unsupported, const char *function) {
    if (status == 0) return result;
    Py_XDECREF(result);
    if (unsupported && !PyErr_Occurred()) Py_RETURN_NONE;
    if (!PyErr_Occurred()) PyErr_Format(PyExc_RuntimeError, "%s() failed", function);
    return NULL;
}


static int32_t open_block(const Walk *w) {
    return (int32_t)((const Py_ssize_t *)w->open.data)[w->open.size / (Py_ssize_t)sizeof(Py_ssize_t) - 1];
}

/* python_walk's flush(): the pending text as a block of the innermost open
 * block element, with its counts, if it has a visible character. */
static int flush(Walk *w) {
    Buffer *b = &w->text;
    if (b->size == 0) return 0;
    if (b->chars) {
        PyObject *text = normalised(b->data, b->size, &w->unsupported);
        if (!text) return -1;
        if (PyUnicode_GET_LENGTH(text) == 0) {
            Py_DECREF(text);
        } else {
            int32_t row[6] = {open_block(w), (int32_t)b->link_chars, (int32_t)b->bold_chars, 0, 0, 0};
            int kind = PyUnicode_KIND(text);
            const void *data = PyUnicode_DATA(text);
            for (Py_ssize_t i = 0, n = PyUnicode_GET_LENGTH(text); i < n; i++) {
                Py_UCS4 ch = PyUnicode_READ(kind, data, i);
                row[3] += Py_UNICODE_ISDIGIT(ch) ? 1 : 0;
                row[4] += Py_UNICODE_ISUPPER(ch) ? 1 : 0;
                row[5] += Py_UNICODE_ISALPHA(ch) ? 1 : 0;
            }
            int status = PyList_Append(w->texts, text);
            Py_DECREF(text);
            if (status < 0 || push_row(&w->blocks, row, sizeof row) < 0) return -1;
            w->block_count++;
        }
    }
    b->size = 0;
    b->chars = b->bold_chars = b->link_chars = 0;
    return 0;
}

#define MAX_DEPTH 5000

static long long *element_row(Walk *w, Py_ssize_t index) {
    return (long long *)w->elements.data + 7 * index;
}

/* python_walk's visit(); then the node's tail. */
static int visit(Walk *w, Node *node, Py_ssize_t parent, int link, int bold, int in_table, int depth) {
    if (depth > MAX_DEPTH) { w->unsupported = 1; return -1; }
    if (node->type == ENTITY_REF_NODE) { w->unsupported = 1; return -1; }
    const unsigned char *name = node->type == ELEMENT_NODE ? node->name : NULL;
    if (name && node->ns && node->ns->href) { w->unsupported = 1; return -1; } /* a "{ns}tag" */
    if (!name || find_name(&skip_tags, (const char *)name) >= 0)
        return add_text_nodes(w, node->next, bold, link);
    Py_ssize_t index = w->element_count;
    long long own = element_flags(node);
    if (own < 0) {
        if (!PyErr_Occurred()) w->unsupported = 1;
        return -1;
    }
    long long key = like_key(node, &w->unsupported);
    if (w->unsupported) return -1;
    long long row[7] = {index, own, own, 0, 0, 0, key};
    if (parent >= 0) {
        const long long *above = element_row(w, parent);
        row[0] = parent;
        row[2] = own | above[2];
        row[3] = above[3] + 1;
    }
    if (push_row(&w->elements, row, sizeof row) < 0) return -1;
    w->element_count++;
    PyObject *tag = PyUnicode_InternFromString((const char *)name);
    if (!tag) return -1;
    int status = PyList_Append(w->tags, tag);
    Py_DECREF(tag);
    if (status < 0) return -1;

    int cell = in_table && find_name(&cell_tags, (const char *)name) >= 0;
    int is_block = !cell && find_name(&block_tags, (const char *)name) >= 0;
    if (cell && append(&w->text, (const unsigned char *)" ", 1) < 0) return -1;
    if (is_block) {
        if (flush(w) < 0) return -1;
        if (push_row(&w->open, &index, sizeof index) < 0) return -1;
    }
    element_row(w, index)[4] = w->block_count;
    int inner_link = link || strcmp((const char *)name, "a") == 0;
    int inner_bold = bold || find_name(&bold_tags, (const char *)name) >= 0;
    int inner_table = in_table || strcmp((const char *)name, "table") == 0;
    status = add_text_nodes(w, node->children, inner_bold, inner_link);
    for (Node *child = node->children; child && status == 0; child = child->next)
        if (is_child(child)) status = visit(w, child, index, inner_link, inner_bold, inner_table, depth + 1);
    if (status < 0) return -1;
    if (is_block) {
        if (flush(w) < 0) return -1;
        w->open.size -= (Py_ssize_t)sizeof(Py_ssize_t);
    }
    element_row(w, index)[5] = w->block_count;
    return add_text_nodes(w, node->next, bold, link);
}

static PyObject *page_walk(PyObject *self, PyObject *args) {
    PyObject *element;
    if (!PyArg_ParseTuple(args, "O", &element)) return NULL;
    if (!configured) { PyErr_SetString(PyExc_RuntimeError, "page_walk() before configure()"); return NULL; }
    Node *root = node_of(element, "page_walk");
    if (!root) return PyErr_Occurred() ? NULL : Py_NewRef(Py_None);
    Walk w = {{0}, PyList_New(0), PyList_New(0), {0}, {0}, {0}, 0, 0, 0};
    Py_ssize_t outermost = 0;
    int status = (w.texts && w.tags && push_row(&w.open, &outermost, sizeof outermost) == 0) ? 0 : -1;
    if (status == 0 && root->type == ELEMENT_NODE) {
        status = visit(&w, root, -1, 0, 0, 0, 0);
    } else if (status == 0) {
        w.unsupported = 1;
        status = -1;
    }
    if (status == 0) status = flush(&w);
    PyObject *result = NULL;
    if (status == 0) {
        PyObject *block_rows = PyBytes_FromStringAndSize(w.blocks.data ? w.blocks.data : "", w.blocks.size);
        PyObject *element_rows = PyBytes_FromStringAndSize(w.elements.data ? w.elements.data : "", w.elements.size);
        if (block_rows && element_rows)
            result = PyTuple_Pack(4, w.texts, block_rows, w.tags, element_rows);
        Py_XDECREF(block_rows);
        Py_XDECREF(element_rows);
        if (!result) status = -1;
    }
    PyMem_Free(w.text.data);
    PyMem_Free(w.blocks.data);
    PyMem_Free(w.elements.data);
    PyMem_Free(w.open.data);
    Py_XDECREF(w.texts);
    Py_XDECREF(w.tags);
    return answer(result, status, w.unsupported, "page_walk");
}

/* ---- short element texts ---- */

/* Code points of the text nodes under `node` (its string value, as lxml's
 * text_content() reads it), counted until they pass `limit`; -1 if an entity
 * reference (whose text the string value would hold) is met. */
static Py_ssize_t string_length(const Node *node, Py_ssize_t limit, Py_ssize_t count) {
    for (const Node *child = node->children; child && count <= limit; child = child->next) {
        if (child->type == TEXT_NODE || child->type == CDATA_NODE) {
            if (!child->content) continue;
            for (const unsigned char *p = child->content; *p; p++)
                if ((*p & 0xC0) != 0x80) count++;
        } else if (child->type == ELEMENT_NODE) {
            count = string_length(child, limit, count);
            if (count < 0) return -1;
        } else if (child->type == ENTITY_REF_NODE) {
            return -1;
        }
    }
    return count;
}

static int append_string(Buffer *b, const Node *node) {
    for (const Node *child = node->children; child; child = child->next) {
        if (child->type == TEXT_NODE || child->type == CDATA_NODE) {
            if (child->content &&
                append(b, child->content, (Py_ssize_t)strlen((const char *)child->content)) < 0)
                return -1;
        } else if (child->type == ELEMENT_NODE && append_string(b, child) < 0) {
            return -1;
        }
    }
    return 0;
}

static int count_children(const Node *node) {
    int count = 0;
    for (const Node *child = node->children; child; child = child->next) count += is_child(child);
    return count;
}

typedef struct {
    const char **tags;
    Py_ssize_t tag_count;
    long max_children;
    Py_ssize_t max_chars;
    PyObject *texts;
    int unsupported;
} Shown;

/* Every element of `node`'s subtree (itself included) whose tag is one of
 * `tags` and that has at most `max_children` children: its text with white
 * space runs made single spaces, if the text is at most `max_chars` long. */
static int collect_shown(Shown *s, const Node *node, int depth) {
    if (depth > MAX_DEPTH) { s->unsupported = 1; return -1; }
    if (node->type != ELEMENT_NODE) return 0;
    if (node->ns && node->ns->href) { s->unsupported = 1; return -1; }
    int wanted = 0;
    for (Py_ssize_t i = 0; i < s->tag_count && !wanted; i++)
        wanted = strcmp((const char *)node->name, s->tags[i]) == 0;
    if (wanted && count_children(node) <= s->max_children) {
        Py_ssize_t length = string_length(node, s->max_chars, 0);
        if (length < 0) { s->unsupported = 1; return -1; }
        if (length <= s->max_chars) {
            Buffer text = {0};
            int status = append_string(&text, node);
            PyObject *shown = status < 0 ? NULL : normalised(text.data, text.size, &s->unsupported);
            PyMem_Free(text.data);
            if (!shown) return -1;
            status = PySet_Add(s->texts, shown);
            Py_DECREF(shown);
            if (status < 0) return -1;
        }
    }
    for (const Node *child = node->children; child; child = child->next)
        if (child->type == ELEMENT_NODE && collect_shown(s, child, depth + 1) < 0) return -1;
    return 0;
}

static PyObject *shown_texts(PyObject *self, PyObject *args) {
    PyObject *element, *tags;
    long max_children;
    Py_ssize_t max_chars;
    if (!PyArg_ParseTuple(args, "OO!ln", &element, &PyTuple_Type, &tags, &max_children, &max_chars)) return NULL;
    Node *root = node_of(element, "shown_texts");
    if (!root) return PyErr_Occurred() ? NULL : Py_NewRef(Py_None);
    Py_ssize_t tag_count = PyTuple_GET_SIZE(tags);
    const char **names = PyMem_Malloc(sizeof(char *) * (size_t)(tag_count ? tag_count : 1));
    if (!names) return PyErr_NoMemory();
    for (Py_ssize_t i = 0; i < tag_count; i++) {
        names[i] = PyUnicode_AsUTF8(PyTuple_GET_ITEM(tags, i));
        if (!names[i]) { PyMem_Free(names); return NULL; }
    }
    Shown s = {names, tag_count, max_children, max_chars, PySet_New(NULL), 0};
    int status = s.texts ? collect_shown(&s, root, 0) : -1;
    PyMem_Free(names);
    return answer(s.texts, status, s.unsupported, "shown_texts");
}

static PyMethodDef methods[] = {
    {"configure", configure, METH_VARARGS, "The page walk's vocabulary (see pageblocks._kernel)."},
    {"page_walk", page_walk, METH_VARARGS, "A page's blocks and elements (see pageblocks.python_walk)."},
    {"shown_texts", shown_texts, METH_VARARGS,
     "Normalised texts of the short elements with these tags (see blocks.shown_texts)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_segment", NULL, -1, methods};

PyMODINIT_FUNC PyInit__segment(void) {
    PyObject *etree = PyImport_ImportModule("lxml.etree");
    if (!etree) return NULL;
    PyObject *type = PyObject_GetAttrString(etree, "_Element");
    Py_DECREF(etree);
    if (!type) return NULL;
    if (!PyType_Check(type)) {
        Py_DECREF(type);
        PyErr_SetString(PyExc_ImportError, "lxml.etree._Element is not a type");
        return NULL;
    }
    element_type = (PyTypeObject *)type;
    return PyModule_Create(&module);
}
