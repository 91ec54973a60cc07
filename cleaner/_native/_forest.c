/* The block model's trees, scored in C (blockmodel.Forest.raw_scores is the
 * numpy twin the tests compare this with):
 *
 *   raw_scores(rows, n_rows, n_columns, feature, threshold, left, right, value, roots, baseline)
 *       -> bytes of float64: per row, baseline plus the leaf value each tree leads it to
 *
 * `rows` holds float32 features row by row; `feature`, `left`, `right` and
 * `roots` are int32, `threshold` and `value` float64 (a leaf's left and right
 * are itself). A row goes left where its feature is at most the threshold,
 * compared in double precision, as numpy compares float32 with float64.
 * Walking each tree to its leaf takes a few comparisons; numpy's version
 * steps all trees of all rows together, a level at a time, through gathers
 * of whole arrays (~4 ms a page where this takes ~0.3).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

static int view(PyObject *object, Py_buffer *buffer, Py_ssize_t item, const char *name) {
    if (PyObject_GetBuffer(object, buffer, PyBUF_C_CONTIGUOUS) < 0) return -1;
    if (buffer->len % item != 0) {
        PyErr_Format(PyExc_ValueError, "%s: %zd bytes is not a whole number of items", name, buffer->len);
        PyBuffer_Release(buffer);
        return -1;
    }
    return 0;
}

static PyObject *raw_scores(PyObject *self, PyObject *args) {
    PyObject *objects[8];
    Py_ssize_t n_rows, n_columns;
    double baseline;
    if (!PyArg_ParseTuple(args, "OnnOOOOOOd", &objects[0], &n_rows, &n_columns, &objects[1], &objects[2],
                          &objects[3], &objects[4], &objects[5], &objects[6], &baseline))
        return NULL;
    static const Py_ssize_t items[7] = {4, 4, 8, 4, 4, 8, 4};
    static const char *names[7] = {"rows", "feature", "threshold", "left", "right", "value", "roots"};
    Py_buffer b[7];
    int got = 0;
    for (; got < 7; got++)
        if (view(objects[got], &b[got], items[got], names[got]) < 0) break;
    PyObject *result = NULL;
    if (got == 7) {
        const float *rows = b[0].buf;
        const int32_t *feature = b[1].buf, *left = b[3].buf, *right = b[4].buf, *roots = b[6].buf;
        const double *threshold = b[2].buf, *value = b[5].buf;
        Py_ssize_t nodes = b[1].len / 4, trees = b[6].len / 4;
        int valid = b[0].len / 4 == n_rows * n_columns && b[2].len / 8 == nodes && b[3].len / 4 == nodes &&
                    b[4].len / 4 == nodes && b[5].len / 8 == nodes;
        for (Py_ssize_t i = 0; valid && i < nodes; i++)
            valid = feature[i] >= 0 && feature[i] < n_columns && left[i] >= 0 && left[i] < nodes &&
                    right[i] >= 0 && right[i] < nodes;
        for (Py_ssize_t t = 0; valid && t < trees; t++) valid = roots[t] >= 0 && roots[t] < nodes;
        if (!valid) {
            PyErr_SetString(PyExc_ValueError, "raw_scores(): arrays of inconsistent sizes or indices");
        } else if ((result = PyBytes_FromStringAndSize(NULL, n_rows * (Py_ssize_t)sizeof(double)))) {
            double *out = (double *)PyBytes_AS_STRING(result);
            for (Py_ssize_t r = 0; r < n_rows; r++) {
                const float *row = rows + r * n_columns;
                double sum = 0.0;
                for (Py_ssize_t t = 0; t < trees; t++) {
                    int32_t node = roots[t];
                    /* a path is at most `nodes` steps long: a leaf points to itself */
                    for (Py_ssize_t step = 0; step < nodes; step++) {
                        int32_t next = (double)row[feature[node]] <= threshold[node] ? left[node] : right[node];
                        if (next == node) break;
                        node = next;
                    }
                    sum += value[node];
                }
                out[r] = baseline + sum;
            }
        }
    }
    for (int i = 0; i < got; i++) PyBuffer_Release(&b[i]);
    return result;
}

static PyMethodDef methods[] = {
    {"raw_scores", raw_scores, METH_VARARGS, "Each row's summed leaf values plus the baseline (see blockmodel)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_forest", NULL, -1, methods};

PyMODINIT_FUNC PyInit__forest(void) { return PyModule_Create(&module); }
