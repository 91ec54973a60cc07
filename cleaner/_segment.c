/* Compiled walks for cleaner.blocks: an lxml tree's visible text as blocks,
 * in document order (segment), and the texts of its short elements
 * (shown_texts, where the headline is looked for).
 *
 *   walk(element, caption_hint) -> list of (text, tag, bold, caption, link_chars), or None
 *   shown_texts(element, tags, max_children, max_chars) -> set of str, or None
 *
 * They compute what blocks.py's Python walks compute (tests compare them on
 * real pages and generated markup), reading libxml2's nodes directly instead
 * of making a Python object for every element, text and attribute (the walk
 * was ~5% of a web page's time). `caption_hint` is blocks.py's compiled
 * pattern, asked only about attribute values that are not ASCII.
 *
 * None means "not a tree this walk reads the way lxml would" (a namespaced
 * element, an attribute holding entity references, text that is not UTF-8):
 * the caller then runs the Python walk.
 *
 * The node structures are read, never written, and the GIL is held
 * throughout. Only their first fields are declared here (the layouts below
 * are libxml2's public `xmlNode`/`xmlAttr` and lxml's public `LxmlElement`,
 * unchanged for well over a decade), so building needs neither library's
 * headers; blocks.py checks the walk against the Python one on a probe page
 * before using it.
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

static int append(Buffer *b, const unsigned char *s, Py_ssize_t n) {
    if (b->size + n > b->capacity) {
        Py_ssize_t capacity = b->capacity ? b->capacity : 1024;
        while (capacity < b->size + n) capacity *= 2;
        unsigned char *data = PyMem_Realloc(b->data, (size_t)capacity);
        if (!data) { PyErr_NoMemory(); return -1; }
        b->data = data;
        b->capacity = capacity;
    }
    memcpy(b->data + b->size, s, (size_t)n);
    b->size += n;
    return 0;
}

typedef struct {
    Buffer text;
    PyObject *blocks;  /* the result list */
    PyObject *hint;    /* the caption pattern's bound `search` */
    int unsupported;   /* set when the tree needs the Python walk */
} Walk;

/* blocks.py's add(): a piece of text with its bold and link state. */
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

/* blocks.py's flush(): the block's text with white space runs made single
 * spaces, if it has any visible character. */
static int flush(Walk *w, PyObject *tag, int caption) {
    Buffer *b = &w->text;
    if (b->size == 0) return 0;
    if (b->chars) {
        PyObject *text = normalised(b->data, b->size, &w->unsupported);
        if (!text) return -1;
        int bold = (double)b->bold_chars >= 0.9 * (double)b->chars;
        PyObject *block = Py_BuildValue("(NOOOn)", text, tag, bold ? Py_True : Py_False,
                                        caption ? Py_True : Py_False, b->link_chars);
        if (!block || PyList_Append(w->blocks, block) < 0) { Py_XDECREF(block); return -1; }
        Py_DECREF(block);
        b->chars = b->bold_chars = b->link_chars = 0;
    }
    b->size = 0;
    return 0;
}

/* ---- tags ---- */

static int name_in(const unsigned char *name, const char *const *names) {
    for (; *names; names++)
        if (strcmp((const char *)name, *names) == 0) return 1;
    return 0;
}

static const char *const BLOCK_TAGS[] = {
    "p", "div", "li", "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6",
    "table", "tr", "td", "th", "caption", "blockquote", "figure", "figcaption", "section",
    "article", "header", "footer", "aside", "nav", "main", "pre", "address", "form", "center", NULL};
static const char *const SKIP_TAGS[] = {
    "script", "style", "noscript", "template", "svg", "head", "iframe", "textarea", "select",
    "option", "button", "input", "object", "embed", "canvas", "audio", "video", "map", NULL};

/* Whether lxml iterates `node` as a child (elements, comments, PIs, entities). */
static int is_child(const Node *node) {
    return node->type == ELEMENT_NODE || node->type == COMMENT_NODE || node->type == ENTITY_REF_NODE ||
           node->type == PI_NODE;
}

static int has_children(const Node *node) {
    for (const Node *child = node->children; child; child = child->next)
        if (is_child(child)) return 1;
    return 0;
}

static int contains_ascii_nocase(const unsigned char *s, const char *word) {
    size_t n = strlen(word);
    for (; *s; s++) {
        size_t i = 0;
        while (i < n && s[i] && (s[i] | 0x20) == (unsigned char)word[i]) i++;
        if (i == n) return 1;
    }
    return 0;
}

/* blocks.py's _caption_hint(): a class or id naming a caption, description,
 * legend or credit. 1, 0, or -1 (error or unsupported). */
static int caption_hint(Walk *w, const Node *node) {
    static const char *const names[] = {"class", "id"};
    for (int k = 0; k < 2; k++) {
        const Attr *attr = node->properties;
        while (attr && !(attr->ns == NULL && strcmp((const char *)attr->name, names[k]) == 0)) attr = attr->next;
        if (!attr || !attr->children) continue;
        if (attr->children->type != TEXT_NODE || attr->children->next) { w->unsupported = 1; return -1; }
        const unsigned char *value = attr->children->content;
        if (!value || !*value) continue;
        int ascii = 1;
        for (const unsigned char *p = value; *p; p++)
            if (*p >= 0x80) { ascii = 0; break; }
        if (ascii) {
            if (contains_ascii_nocase(value, "cap") || contains_ascii_nocase(value, "desc") ||
                contains_ascii_nocase(value, "legend") || contains_ascii_nocase(value, "credit"))
                return 1;
            continue;
        }
        PyObject *text = PyUnicode_DecodeUTF8((const char *)value, (Py_ssize_t)strlen((const char *)value), NULL);
        if (!text) { PyErr_Clear(); w->unsupported = 1; return -1; }
        PyObject *match = PyObject_CallOneArg(w->hint, text);
        Py_DECREF(text);
        if (!match) return -1;
        int found = match != Py_None;
        Py_DECREF(match);
        if (found) return 1;
    }
    return 0;
}

/* ---- the walk ---- */

#define MAX_DEPTH 5000

/* blocks.py's walk(); `block_tag` is a borrowed str. */
static int walk(Walk *w, Node *node, PyObject *block_tag, int caption, int bold, int link, int depth) {
    if (depth > MAX_DEPTH) { w->unsupported = 1; return -1; }
    const unsigned char *name = node->type == ELEMENT_NODE ? node->name : NULL;
    if (name && node->ns && node->ns->href) { w->unsupported = 1; return -1; } /* a "{ns}tag" */
    if (name && name_in(name, SKIP_TAGS)) return add_text_nodes(w, node->next, bold, link);
    int is_block = name && name_in(name, BLOCK_TAGS);
    int inner_caption = caption;
    if (!inner_caption && name &&
        (strcmp((const char *)name, "figcaption") == 0 || strcmp((const char *)name, "caption") == 0))
        inner_caption = 1;
    if (!inner_caption && name && (is_block || has_children(node))) {
        int hint = caption_hint(w, node);
        if (hint < 0) return -1;
        inner_caption = hint;
    }
    PyObject *inner_tag = block_tag, *own_tag = NULL;
    if (is_block) {
        if (flush(w, block_tag, caption) < 0) return -1;
        own_tag = PyUnicode_InternFromString((const char *)name);
        if (!own_tag) return -1;
        inner_tag = own_tag;
    } else if (name && strcmp((const char *)name, "br") == 0) {
        if (append(&w->text, (const unsigned char *)" ", 1) < 0) return -1;
    }
    int inner_bold = bold || (name && (strcmp((const char *)name, "b") == 0 || strcmp((const char *)name, "strong") == 0));
    int inner_link = link || (name && strcmp((const char *)name, "a") == 0);
    int status = 0;
    if (node->type == ELEMENT_NODE) {
        status = add_text_nodes(w, node->children, inner_bold, inner_link);
        for (Node *child = node->children; child && status == 0; child = child->next)
            if (is_child(child)) status = walk(w, child, inner_tag, inner_caption, inner_bold, inner_link, depth + 1);
    } else if (node->type == COMMENT_NODE || node->type == PI_NODE) {
        if (node->content && node->content[0])  /* lxml's .text of a comment or PI */
            status = add(w, node->content, (Py_ssize_t)strlen((const char *)node->content), inner_bold, inner_link);
    } else {
        w->unsupported = 1;  /* an entity reference: .text is "&name;" */
        status = -1;
    }
    if (status == 0 && is_block) status = flush(w, inner_tag, inner_caption);
    Py_XDECREF(own_tag);
    if (status < 0) return -1;
    return add_text_nodes(w, node->next, bold, link);
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

static PyObject *segment_walk(PyObject *self, PyObject *args) {
    PyObject *element, *pattern;
    if (!PyArg_ParseTuple(args, "OO", &element, &pattern)) return NULL;
    Node *root = node_of(element, "walk");
    if (!root) return PyErr_Occurred() ? NULL : Py_NewRef(Py_None);
    Walk w = {{0}, PyList_New(0), PyObject_GetAttrString(pattern, "search"), 0};
    PyObject *body = PyUnicode_InternFromString("body");
    int status = (w.blocks && w.hint && body) ? walk(&w, root, body, 0, 0, 0, 0) : -1;
    if (status == 0) status = flush(&w, body, 0);
    PyMem_Free(w.text.data);
    Py_XDECREF(w.hint);
    Py_XDECREF(body);
    return answer(w.blocks, status, w.unsupported, "walk");
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
    {"walk", segment_walk, METH_VARARGS, "The blocks of an lxml element's text (see blocks.segment)."},
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
