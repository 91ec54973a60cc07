/* Compiled DFA walk for cleaner.language: the byte n-gram features of a text
 * under py3langid's model, with their counts.
 *
 * It computes what py3langid's `visit_counts` computes in a Python loop over
 * the bytes (tests compare the two); cleaner/language.py scores the result.
 *
 *   scores(texts, nextmove, nextmove_item, row, out, ptc, classes) -> (scores, features)
 *
 * texts     list of bytes: UTF-8 texts
 * nextmove  buffer of distinct 256-entry transition rows, uint16 or uint32
 *           (nextmove_item is 2 or 4)
 * row       uint32 buffer: state -> its row in nextmove
 * out       int32 buffer: state -> the feature it emits, or -1
 * ptc       float16 buffer, features x classes: log P(feature | class)
 * scores    bytes, float32, texts x classes: per text, the sum over distinct
 *           features emitted of log1p(times emitted) * ptc[feature]
 *           (py3langid's sparse score, before the class priors)
 * features  bytes, int32 per text: how many distinct features were emitted
 *
 * The model is tens of megabytes, so the time goes to cache misses, not
 * arithmetic: features are counted in a table instead of sorted, and each new
 * feature's row of probabilities is prefetched as soon as the walk finds it.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static inline float half_to_float(uint16_t half) {
    uint32_t sign = (uint32_t)(half & 0x8000u) << 16, exponent = (half >> 10) & 0x1Fu,
             mantissa = half & 0x3FFu, bits;
    if (exponent == 0) {
        float subnormal = (float)mantissa * (1.0f / 16777216.0f); /* 2^-24 */
        return sign ? -subnormal : subnormal;
    }
    if (exponent == 31)
        bits = sign | 0x7F800000u | (mantissa << 13);
    else
        bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
    float value;
    memcpy(&value, &bits, sizeof value);
    return value;
}

/* sums += weight * row, over one feature's float16 row of class probabilities. */
static void accumulate(float *sums, const uint16_t *row, int classes, float weight) {
    for (int c = 0; c < classes; c++) sums[c] += weight * half_to_float(row[c]);
}

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
/* The same with the F16C conversion instruction, eight classes at a time. */
__attribute__((target("avx,f16c"))) static void accumulate_f16c(float *sums, const uint16_t *row, int classes,
                                                                 float weight) {
    int c = 0;
    __m256 scale = _mm256_set1_ps(weight);
    for (; c + 8 <= classes; c += 8) {
        __m256 probabilities = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(row + c)));
        _mm256_storeu_ps(sums + c, _mm256_add_ps(_mm256_loadu_ps(sums + c), _mm256_mul_ps(scale, probabilities)));
    }
    for (; c < classes; c++) sums[c] += weight * half_to_float(row[c]);
}

static void (*choose_accumulate(void))(float *, const uint16_t *, int, float) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx") && __builtin_cpu_supports("f16c") ? accumulate_f16c : accumulate;
}
#else
static void (*choose_accumulate(void))(float *, const uint16_t *, int, float) { return accumulate; }
#endif

static void (*accumulate_row)(float *, const uint16_t *, int, float);

/* Per feature, how often the current text emitted it (zeroed again after each
 * text): counting without sorting. Grown to the model's feature count. */
static uint16_t *tally;
static Py_ssize_t tally_size;

static int ensure_tally(Py_ssize_t features) {
    if (features <= tally_size) return 0;
    uint16_t *grown = PyMem_Calloc(features, sizeof(uint16_t));
    if (!grown) return -1;
    PyMem_Free(tally);
    tally = grown;
    tally_size = features;
    return 0;
}

static PyObject *scores(PyObject *self, PyObject *args) {
    PyObject *texts, *result = NULL;
    Py_buffer nextmove, row, out, ptc;
    int item, classes;
    int32_t *seen = NULL, *distinct = NULL;
    float *sums = NULL;
    if (!PyArg_ParseTuple(args, "O!y*iy*y*y*i", &PyList_Type, &texts, &nextmove, &item, &row, &out, &ptc,
                          &classes))
        return NULL;
    Py_ssize_t count = PyList_GET_SIZE(texts), longest = 0;
    Py_ssize_t states = row.len / 4, moves = item > 0 ? nextmove.len / item : 0;
    Py_ssize_t features = classes > 0 ? ptc.len / 2 / classes : 0;
    if ((item != 2 && item != 4) || out.len / 4 != states || states == 0 || classes <= 0) {
        PyErr_SetString(PyExc_ValueError, "inconsistent language model arrays");
        goto done;
    }
    for (Py_ssize_t t = 0; t < count; t++) {
        PyObject *text = PyList_GET_ITEM(texts, t);
        if (!PyBytes_Check(text)) {
            PyErr_SetString(PyExc_TypeError, "texts must be a list of bytes");
            goto done;
        }
        longest = PyBytes_GET_SIZE(text) > longest ? PyBytes_GET_SIZE(text) : longest;
    }
    seen = PyMem_Malloc((longest ? longest : 1) * sizeof(int32_t)); /* at most one feature per byte */
    sums = PyMem_Calloc((size_t)(count ? count : 1) * classes, sizeof(float));
    distinct = PyMem_Calloc(count ? count : 1, sizeof(int32_t));
    if (!seen || !sums || !distinct || ensure_tally(features) < 0) {
        PyErr_NoMemory();
        goto done;
    }
    const uint32_t *rows = row.buf;
    const int32_t *emits = out.buf;
    const uint16_t *moves16 = nextmove.buf, *table = ptc.buf;
    const uint32_t *moves32 = nextmove.buf;
    Py_ssize_t row_bytes = (Py_ssize_t)classes * 2;
    for (Py_ssize_t t = 0; t < count; t++) {
        PyObject *text = PyList_GET_ITEM(texts, t);
        const unsigned char *bytes = (const unsigned char *)PyBytes_AS_STRING(text);
        Py_ssize_t length = PyBytes_GET_SIZE(text), n = 0;
        uint32_t state = 0;
        for (Py_ssize_t i = 0; i < length; i++) {
            Py_ssize_t at = (Py_ssize_t)rows[state] * 256 + bytes[i];
            if (at >= moves) goto bad_model;
            state = item == 2 ? moves16[at] : moves32[at];
            if ((Py_ssize_t)state >= states) goto bad_model;
            int32_t feature = emits[state];
            if (feature < 0) continue;
            if (feature >= features) goto bad_model;
            if (tally[feature]++ == 0) {
                seen[n++] = feature;
                /* its row is read below: fetch it while the walk goes on */
                const char *start = (const char *)(table + (Py_ssize_t)feature * classes);
                for (Py_ssize_t line = 0; line < row_bytes; line += 64) __builtin_prefetch(start + line);
                __builtin_prefetch(start + row_bytes - 1);
            } else if (tally[feature] == UINT16_MAX) {
                tally[feature]--; /* saturate: log1p of 65535 repeats is as good as more */
            }
        }
        float *text_sums = sums + t * (Py_ssize_t)classes;
        for (Py_ssize_t i = 0; i < n; i++) {
            accumulate_row(text_sums, table + (Py_ssize_t)seen[i] * classes, classes, log1pf((float)tally[seen[i]]));
            tally[seen[i]] = 0;
        }
        distinct[t] = (int32_t)n;
    }
    result = Py_BuildValue("(y#y#)", (const char *)sums, count * classes * (Py_ssize_t)sizeof(float),
                           (const char *)distinct, count * (Py_ssize_t)sizeof(int32_t));
    goto done;
bad_model:
    memset(tally, 0, tally_size * sizeof(uint16_t)); /* leave no counts behind for the next call */
    PyErr_SetString(PyExc_ValueError, "language model transition out of range");
done:
    PyMem_Free(seen);
    PyMem_Free(sums);
    PyMem_Free(distinct);
    PyBuffer_Release(&nextmove);
    PyBuffer_Release(&row);
    PyBuffer_Release(&out);
    PyBuffer_Release(&ptc);
    return result;
}

/* Letters among the first `limit` characters of each text: what
 * len(re.findall(r"[^\W\d_]", text[:limit])) counts, without one string per
 * letter (the regex engine's definitions: alphanumeric, not a decimal digit). */
static PyObject *letters(PyObject *self, PyObject *args) {
    PyObject *texts;
    Py_ssize_t limit;
    if (!PyArg_ParseTuple(args, "O!n", &PyList_Type, &texts, &limit)) return NULL;
    Py_ssize_t count = PyList_GET_SIZE(texts);
    PyObject *result = PyList_New(count);
    if (!result) return NULL;
    for (Py_ssize_t t = 0; t < count; t++) {
        PyObject *text = PyList_GET_ITEM(texts, t);
        if (!PyUnicode_Check(text)) {
            Py_DECREF(result);
            PyErr_SetString(PyExc_TypeError, "texts must be a list of str");
            return NULL;
        }
        int kind = PyUnicode_KIND(text);
        const void *data = PyUnicode_DATA(text);
        Py_ssize_t length = PyUnicode_GET_LENGTH(text), found = 0;
        if (length > limit) length = limit;
        for (Py_ssize_t i = 0; i < length; i++) {
            Py_UCS4 cp = PyUnicode_READ(kind, data, i);
            found += Py_UNICODE_ISALNUM(cp) && !Py_UNICODE_ISDECIMAL(cp);
        }
        PyObject *number = PyLong_FromSsize_t(found);
        if (!number) {
            Py_DECREF(result);
            return NULL;
        }
        PyList_SET_ITEM(result, t, number);
    }
    return result;
}

static PyMethodDef methods[] = {
    {"letters", letters, METH_VARARGS, "letters(texts, limit) -> [letters among the first limit characters]"},
    {"scores", scores, METH_VARARGS,
     "scores(texts, nextmove, nextmove_item, row, out, ptc, classes) -> (float32 scores, int32 features)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_langid",
                                    "py3langid's DFA walk and sparse naive Bayes score (compiled).", -1, methods};

PyMODINIT_FUNC PyInit__langid(void) {
    accumulate_row = choose_accumulate();
    return PyModule_Create(&module);
}
