/* Engine vs PyTorch: golden vectors made once by tools/torch_engine_golden.py
 * (torch.nn.LSTM / GRU / RNN + Linear in float64, stacked layers, knob
 * inputs, skip). The tensors are in PyTorch layout, rnnamp's canonical
 * layout, so the model is built from them directly. Every kernel this CPU
 * has must match within 1e-5 max abs error. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "model.h"
#include "test_util.h"

static const char *cases[] = {
    "lstm8x1_in1", "lstm32x1_in1_skip", "lstm20x2_in2_skip", "lstm40x1_in3",
    "gru8x1_in1",  "gru32x1_in1_skip",  "gru16x2_in2",       "gru64x1_in1_skip",
    "rnn16x1_in1", "rnn24x2_in2_skip",
};

typedef struct {
    rnnamp_model *m;
    float knobs[3];
    float *x;
    double *y;
    int n;
} golden;

/* Copy the next "tensor NAME COUNT" block into dst (count must match). */
static void read_tensor(FILE *f, const char *want, float *dst, size_t count)
{
    char name[64];
    size_t cnt;
    ck_assert_int_eq(fscanf(f, " tensor %63s %zu", name, &cnt), 2);
    ck_assert_msg(strcmp(name, want) == 0, "expected %s, got %s", want, name);
    ck_assert_msg(cnt == count, "%s: %zu values, expected %zu", name, cnt,
                  count);
    for (size_t i = 0; i < cnt; i++) {
        double v;
        ck_assert_int_eq(fscanf(f, "%lf", &v), 1);
        dst[i] = (float)v;
    }
}

static golden load(const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/engine/golden/%s.txt",
             RNNAMP_SOURCE_DIR, name);
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    char line[256], type[16];
    int hidden, layers, inputs, skip;
    do
        ck_assert_ptr_nonnull(fgets(line, sizeof line, f));
    while (line[0] == '#');
    ck_assert_int_eq(sscanf(line, "type %15s", type), 1);
    ck_assert_int_eq(fscanf(f, " hidden %d layers %d inputs %d skip %d",
                            &hidden, &layers, &inputs, &skip),
                     4);
    golden g;
    memset(&g, 0, sizeof g);
    ck_assert_int_eq(fscanf(f, " knobs"), 0);
    for (int k = 0; k < inputs - 1; k++) {
        double v;
        ck_assert_int_eq(fscanf(f, "%lf", &v), 1);
        g.knobs[k] = (float)v;
    }
    rnnamp_layer_type t = !strcmp(type, "lstm")  ? RNNAMP_LSTM
                          : !strcmp(type, "gru") ? RNNAMP_GRU
                                                 : RNNAMP_RNN;
    rnnamp_layer_spec sp[RNNAMP_MAX_LAYERS];
    for (int l = 0; l < layers; l++)
        sp[l] = (rnnamp_layer_spec){t, hidden, RNNAMP_ACT_LINEAR};
    sp[layers] = (rnnamp_layer_spec){RNNAMP_DENSE, 1, RNNAMP_ACT_LINEAR};
    char err[RNNAMP_ERR_LEN];
    g.m = rnnamp_model_new(inputs, layers + 1, sp, skip, err, sizeof err);
    ck_assert_msg(g.m != NULL, "%s", err);
    size_t G = (size_t)rnnamp_layer_gates(t), H = (size_t)hidden;
    for (int l = 0; l < layers; l++) {
        rnnamp_layer *L = &g.m->layers[l];
        char n[32];
        snprintf(n, sizeof n, "weight_ih_l%d", l);
        read_tensor(f, n, L->w_ih, G * H * (size_t)L->n_in);
        snprintf(n, sizeof n, "weight_hh_l%d", l);
        read_tensor(f, n, L->w_hh, G * H * H);
        snprintf(n, sizeof n, "bias_ih_l%d", l);
        read_tensor(f, n, L->b_ih, G * H);
        snprintf(n, sizeof n, "bias_hh_l%d", l);
        read_tensor(f, n, L->b_hh, G * H);
    }
    read_tensor(f, "lin.weight", g.m->layers[layers].w_ih, H);
    read_tensor(f, "lin.bias", g.m->layers[layers].b_ih, 1);
    ck_assert_int_eq(fscanf(f, " samples %d", &g.n), 1);
    g.x = malloc((size_t)g.n * sizeof *g.x);
    g.y = malloc((size_t)g.n * sizeof *g.y);
    for (int i = 0; i < g.n; i++) {
        double xv;
        ck_assert_int_eq(fscanf(f, "%lf %lf", &xv, &g.y[i]), 2);
        g.x[i] = (float)xv;
    }
    fclose(f);
    return g;
}

START_TEST(engine_matches_pytorch)
{
    golden g = load(cases[_i]);
    float *out = malloc((size_t)g.n * sizeof *out);
    int ran = 0;
    TEST_FOR_EACH_KERNEL(k)
    {
        rnnamp_engine_opts o = {k, 1.0};
        char err[RNNAMP_ERR_LEN];
        rnnamp_engine *e = rnnamp_engine_new(g.m, &o, err, sizeof err);
        ck_assert_msg(e != NULL, "%s", err);
        rnnamp_engine_process(e, g.x, out, (uint32_t)g.n,
                              g.m->n_inputs > 1 ? g.knobs : NULL);
        double worst = 0, peak = 0;
        for (int i = 0; i < g.n; i++) {
            double d = fabs((double)out[i] - g.y[i]);
            if (d > worst)
                worst = d;
            if (fabs(g.y[i]) > peak)
                peak = fabs(g.y[i]);
        }
        printf("  %-20s %-9s max err %.3g (output peak %.3f)\n", cases[_i],
               rnnamp_kernel_name(k), worst, peak);
        ck_assert_msg(worst < 1e-5, "%s, %s kernel: max err %g vs PyTorch",
                      cases[_i], rnnamp_kernel_name(k), worst);
        ck_assert(peak > 0.05); /* the reference is not trivially small */
        rnnamp_engine_free(e);
        ran++;
    }
    ck_assert_int_ge(ran, 1);
    free(out);
    free(g.x);
    free(g.y);
    rnnamp_model_free(g.m);
}
END_TEST

int main(void)
{
    test_log_kernels("torch-golden");
    Suite *s = suite_create("torch-golden");
    TCase *tc = tcase_create("golden");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, engine_matches_pytorch, 0,
                        (int)(sizeof cases / sizeof *cases));
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
