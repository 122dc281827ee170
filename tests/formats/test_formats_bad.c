/* rnnamp tests: bad model files are refused with a message that names the
 * file and the problem; never a crash or a giant allocation. Each case
 * starts from a small valid file of one format and breaks one thing. */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "json_util.h"
#include "model_io.h"
#include "test_util.h"

/* Valid AIDA-X: LSTM 1 -> 2, dense 2 -> 1. */
static const char *AIDAX =
    "{\"in_shape\": [null, null, 1], \"in_gain\": 0.0,\n"
    " \"layers\": [\n"
    "  {\"type\": \"lstm\", \"activation\": \"\", \"shape\": [null, null, 2],\n"
    "   \"weights\": [[[0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]],\n"
    "                 [[0.1, 0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, "
    "0.1]],\n"
    "                 [0, 0, 1, 1, 0, 0, 0, 0]]},\n"
    "  {\"type\": \"dense\", \"activation\": \"\", \"shape\": [null, null, "
    "1],\n"
    "   \"weights\": [[[0.5], [-0.25]], [0.125]]}],\n"
    " \"metadata\": {\"name\": \"tiny\", \"samplerate\": \"48000\"}}\n";

/* Valid GuitarML: GRU 1 -> 1. */
static const char *GUITARML =
    "{\"model_data\": {\"model\": \"SimpleRNN\", \"input_size\": 1, "
    "\"skip\": 1, \"output_size\": 1, \"unit_type\": \"GRU\", "
    "\"num_layers\": 1, \"hidden_size\": 1, \"bias_fl\": true},\n"
    " \"state_dict\": {\"rec.weight_ih_l0\": [[0.1], [0.2], [0.3]],\n"
    "  \"rec.weight_hh_l0\": [[0.1], [0.2], [0.3]],\n"
    "  \"rec.bias_ih_l0\": [0, 0, 0], \"rec.bias_hh_l0\": [0, 0, 0],\n"
    "  \"lin.weight\": [[0.5]], \"lin.bias\": [0.0]}}\n";

/* Valid NAM: LSTM 1 layer, hidden 1: 4*(1+1) + 4 + 1 + 1 + 1 + 1 = 16. */
static const char *NAM =
    "{\"version\": \"0.5.4\", \"architecture\": \"LSTM\",\n"
    " \"config\": {\"input_size\": 1, \"hidden_size\": 1, \"num_layers\": 1},\n"
    " \"weights\": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8,\n"
    "             0, 0, 0, 0, 0.01, 0.02, 0.9, 0.05],\n"
    " \"sample_rate\": 48000, \"metadata\": {\"loudness\": -20.5}}\n";

/* Valid NAM WaveNet: one array, 2 channels, kernel 2, one layer: rechannel
 * 2 + conv 8 + bias 2 + mixin 2 + layer1x1 6 + head 2 + 1 + head_scale 1. */
static const char *WAVENET =
    "{\"version\": \"0.5.4\", \"architecture\": \"WaveNet\",\n"
    " \"config\": {\"layers\": [{\"input_size\": 1, \"condition_size\": 1,\n"
    "   \"head_size\": 1, \"channels\": 2, \"kernel_size\": 2,\n"
    "   \"dilations\": [1], \"activation\": \"Tanh\", \"gated\": false,\n"
    "   \"head_bias\": true}], \"head\": null, \"head_scale\": 0.02},\n"
    " \"weights\": [0.1, 0.2, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0, 0,\n"
    "   0.1, 0.2, 0.1, 0.2, 0.3, 0.4, 0, 0, 0.5, 0.6, 0.1, 0.02],\n"
    " \"sample_rate\": 48000}\n";

/* Valid container of two copies of that WaveNet. */
static const char *CONTAINER_HEAD =
    "{\"version\": \"0.7.0\", \"architecture\": \"SlimmableContainer\",\n"
    " \"config\": {\"submodels\": [{\"max_value\": 0.5, \"model\": ";

TEST_TMPDIR_FIXTURE(tmpdir, "rnnamp-fmt-bad")

static void write_file(const char *path, const char *text, size_t len)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(text, 1, len, f), len);
    ck_assert_int_eq(fclose(f), 0);
}

/* base with the first occurrence of `from` replaced by `to` (malloc'ed). */
static char *replace(const char *base, const char *from, const char *to)
{
    const char *p = strstr(base, from);
    ck_assert_msg(p != NULL, "template lacks '%s'", from);
    size_t a = (size_t)(p - base), lf = strlen(from), lt = strlen(to);
    size_t n = strlen(base) - lf + lt;
    char *s = malloc(n + 1);
    memcpy(s, base, a);
    memcpy(s + a, to, lt);
    strcpy(s + a + lt, p + lf);
    return s;
}

/* Load text from a file called `fname` and check the refusal message. */
static void expect_fail(const char *fname, const char *text, size_t len,
                        const char *keyword)
{
    char path[512], err[RNNAMP_ERR_LEN] = "";
    snprintf(path, sizeof path, "%s/%s", tmpdir, fname);
    write_file(path, text, len);
    rnnamp_model *m = rnnamp_model_load(path, err, sizeof err);
    ck_assert_msg(m == NULL, "%s: loaded but should fail", fname);
    printf("  refused: %s\n", err + strlen(tmpdir) + 1);
    ck_assert_msg(strstr(err, path) != NULL, "%s: message lacks the path: %s",
                  fname, err);
    ck_assert_msg(strstr(err, keyword) != NULL, "%s: message lacks '%s': %s",
                  fname, keyword, err);
}

static void expect_fail_repl(const char *fname, const char *base,
                             const char *from, const char *to,
                             const char *keyword)
{
    char *s = replace(base, from, to);
    expect_fail(fname, s, strlen(s), keyword);
    free(s);
}

static void expect_ok(const char *fname, const char *text)
{
    char path[512], err[RNNAMP_ERR_LEN] = "";
    snprintf(path, sizeof path, "%s/%s", tmpdir, fname);
    write_file(path, text, strlen(text));
    rnnamp_model *m = rnnamp_model_load(path, err, sizeof err);
    ck_assert_msg(m != NULL, "%s: %s", fname, err);
    rnnamp_model_free(m);
}

START_TEST(templates_are_valid)
{
    /* The bad cases below only prove something if the unbroken files load;
     * and detection is by content, so a misleading extension is fine. */
    expect_ok("a.nam", AIDAX);
    expect_ok("wavenet.nam", WAVENET);
    expect_ok("g.json", GUITARML);
    expect_ok("n.txt", NAM);
    char *bom = malloc(strlen(NAM) + 4);
    snprintf(bom, strlen(NAM) + 4, "\xef\xbb\xbf%s", NAM);
    expect_ok("bom.nam", bom);
    free(bom);
    char path[512], err[RNNAMP_ERR_LEN];
    snprintf(path, sizeof path, "%s/n.txt", tmpdir);
    rnnamp_model *m = rnnamp_model_load(path, err, sizeof err);
    ck_assert_ptr_nonnull(m);
    ck_assert_str_eq(m->meta.source_format, "nam");
    ck_assert_double_eq(m->meta.loudness_db, -20.5);
    ck_assert_float_eq(m->layers[0].w_ih[1], 0.3f); /* row 1, x part */
    ck_assert_float_eq(m->layers[0].w_hh[1], 0.4f); /* row 1, h part */
    ck_assert_float_eq(m->layers[0].h0[0], 0.01f);
    ck_assert_float_eq(m->layers[0].c0[0], 0.02f);
    ck_assert_float_eq(m->layers[1].w_ih[0], 0.9f);
    ck_assert_float_eq(m->layers[1].b_ih[0], 0.05f);
    rnnamp_model_free(m);
}
END_TEST

START_TEST(malformed_json)
{
    size_t n = strlen(AIDAX);
    expect_fail("truncated.json", AIDAX, n / 2, "invalid JSON at line");
    expect_fail_repl("syntax.json", AIDAX, "\"layers\": [", "\"layers\": [}",
                     "column");
    expect_fail("garbage.json",
                "\x7f"
                "ELF\x01\x02",
                6, "invalid JSON");
    expect_fail("toplevel.json", "[1, 2, 3]", 9, "JSON object");
    expect_fail("unknown.json", "{\"hello\": 1}", 12, "not a recognised");
    expect_fail_repl("dupkey.json", AIDAX, "\"in_gain\": 0.0",
                     "\"in_gain\": 0.0, \"in_gain\": 1.0", "duplicate");
}
END_TEST

START_TEST(non_finite)
{
    expect_fail_repl("nan_str.json", AIDAX, "0.3, 0.4", "\"NaN\", 0.4",
                     "not a finite number");
    expect_fail_repl("nan_lit.json", AIDAX, "0.3, 0.4", "NaN, 0.4",
                     "invalid JSON");
    expect_fail_repl("inf_lit.json", AIDAX, "0.3, 0.4", "Infinity, 0.4",
                     "invalid JSON");
    expect_fail_repl("1e999.json", AIDAX, "0.3, 0.4", "1e999, 0.4",
                     "invalid JSON");
    expect_fail_repl("1e39.json", AIDAX, "0.3, 0.4", "1e39, 0.4",
                     "not a finite float");
    expect_fail_repl("nam_inf.nam", NAM, "0.9", "\"Infinity\"",
                     "not a finite number");
    expect_fail_repl("gml_null.json", GUITARML, "[[0.5]]", "[[null]]",
                     "not a number");
    expect_fail_repl("gain.json", AIDAX, "\"in_gain\": 0.0",
                     "\"in_gain\": 1000", "in_gain");
}
END_TEST

START_TEST(wrong_sizes)
{
    expect_fail_repl("w_short.json", AIDAX, "0.7, 0.8]]", "0.7]]",
                     "layer 0 (lstm) weights[0] (W, input kernel): wrong "
                     "size: expected [1][8], got [1][7]");
    expect_fail_repl("b_long.json", AIDAX, "[0, 0, 1, 1, 0, 0, 0, 0]",
                     "[0, 0, 1, 1, 0, 0, 0, 0, 0]", "expected [8], got [9]");
    expect_fail_repl("dense.json", AIDAX, "[[0.5], [-0.25]]", "[[0.5]]",
                     "layer 1 (dense) weights[0]");
    expect_fail_repl("nweights.json", AIDAX, "[[0.5], [-0.25]], [0.125]]",
                     "[[0.5], [-0.25]]]", "list of 2 arrays");
    expect_fail_repl("nam_count.nam", NAM, "0.9, 0.05", "0.9",
                     "has 15 values, expected 16");
    expect_fail_repl("gml_shape.json", GUITARML, "[[0.1], [0.2], [0.3]]",
                     "[[0.1], [0.2]]",
                     "'rec.weight_ih_l0': wrong size: expected [3][1]");
    expect_fail_repl("gml_missing.json", GUITARML, "rec.weight_hh_l0",
                     "rec.weight_hh_l9", "missing key 'rec.weight_hh_l0'");
    expect_fail_repl("gru_sizes.json", AIDAX, "\"lstm\"", "\"gru\"",
                     "weights[0]");
    expect_fail_repl("batch.json", AIDAX, "\"metadata\"",
                     "\"input_batch\": [1, 2, 3], \"output_batch\": [1, 2], "
                     "\"metadata\"",
                     "input_batch has 3 values but output_batch has 2");
    expect_fail_repl("batch1.json", AIDAX, "\"metadata\"",
                     "\"input_batch\": [1, 2, 3], \"metadata\"",
                     "'output_batch' is missing");
}
END_TEST

START_TEST(gru_reset_before)
{
    /* A Keras GRU with reset_after=False has a flat bias of 3H. */
    const char *gru =
        "{\"in_shape\": [null, null, 1], \"layers\": [\n"
        " {\"type\": \"gru\", \"shape\": [null, null, 1],\n"
        "  \"weights\": [[[0.1, 0.2, 0.3]], [[0.1, 0.2, 0.3]], [0, 0, 0]]},\n"
        " {\"type\": \"dense\", \"shape\": [null, null, 1],\n"
        "  \"weights\": [[[1.0]], [0.0]]}]}";
    expect_fail("gru.json", gru, strlen(gru), "reset_after");
    char *ok = replace(gru, "[0, 0, 0]", "[[0, 0, 0], [0, 0, 0]]");
    expect_ok("gru_ok.json", ok);
    free(ok);
}
END_TEST

START_TEST(bad_structure)
{
    expect_fail_repl("h0.json", AIDAX, "[null, null, 2]", "[null, null, 0]",
                     "must be 1 to 128");
    expect_fail_repl("h100k.json", AIDAX, "[null, null, 2]",
                     "[null, null, 100000]", "size 100000");
    expect_fail_repl("type.json", AIDAX, "\"lstm\"", "\"conv1d\"",
                     "layer type 'conv1d' is not supported");
    expect_fail_repl("act.json", AIDAX,
                     "\"activation\": \"\", \"shape\": "
                     "[null, null, 1]",
                     "\"activation\": \"softmax\", \"shape\": [null, null, 1]",
                     "activation 'softmax'");
    expect_fail_repl("inshape.json", AIDAX, "[null, null, 1]",
                     "[null, null, \"one\"]", "in_shape");
    expect_fail_repl("weights_obj.json", AIDAX, "\"weights\": [[[0.1",
                     "\"weights\": {}, \"x\": [[[0.1", "'weights' must be");
    expect_fail_repl("layer_num.json", AIDAX, "\"layers\": [\n",
                     "\"layers\": [7,\n", "layer 0: must be an object");
    expect_fail_repl(
        "last.json", AIDAX, "\"activation\": \"\", \"shape\": [null, null, 1]",
        "\"activation\": \"\", \"shape\": [null, null, 2]", "last layer");
    const char *lo = "{\"layers\": {\"type\": \"lstm\"}}";
    expect_fail("layers_obj.json", lo, strlen(lo), "'layers' must be a list");
    expect_fail_repl("meta.json", AIDAX, "{\"name\": \"tiny\"",
                     "[{\"name\": \"tiny\"", "invalid JSON");
    expect_fail_repl("meta_type.json", AIDAX,
                     "\"metadata\": {\"name\": \"tiny\", \"samplerate\": "
                     "\"48000\"}",
                     "\"metadata\": 5", "'metadata' must be an object");
    expect_fail_repl("rate.json", AIDAX, "\"48000\"", "\"fast\"", "samplerate");
    expect_fail_repl("gml_hidden.json", GUITARML, "\"hidden_size\": 1",
                     "\"hidden_size\": 100000", "hidden_size");
    expect_fail_repl("gml_unit.json", GUITARML, "\"GRU\"", "\"TCN\"",
                     "unit_type 'TCN'");
    expect_fail_repl("gml_layers.json", GUITARML, "\"num_layers\": 1",
                     "\"num_layers\": 50", "num_layers");
    expect_fail_repl("gml_type.json", GUITARML, "\"input_size\": 1",
                     "\"input_size\": \"1\"", "must be an integer");
    expect_fail_repl("nam_arch.nam", NAM, "\"LSTM\"", "\"ConvNet\"",
                     "NAM architecture 'ConvNet' is not supported (rnnamp "
                     "reads NAM LSTM, WaveNet and SlimmableContainer models)");
    expect_fail_repl("nam_layers.nam", NAM, "\"num_layers\": 1",
                     "\"num_layers\": 50", "num_layers");
    expect_fail_repl("nam_hidden.nam", NAM, "\"hidden_size\": 1",
                     "\"hidden_size\": 100000", "hidden_size");
    expect_fail_repl("nam_config.nam", NAM, "\"config\": {", "\"config\": [{",
                     "invalid JSON");
    expect_fail_repl("nam_rate.nam", NAM, "48000", "\"48000\"", "sample_rate");
}
END_TEST

/* A WaveNet field rnnamp does not run is refused by its name; broken
 * structure is named too. */
START_TEST(bad_wavenet)
{
    const char *L = "\"input_size\": 1,";
    static const struct {
        const char *name, *from, *to, *msg;
    } c[] = {
        {"wn_film.nam", NULL,
         "\"conv_pre_film\": {\"active\": true, \"shift\": true},",
         "config.layers[0]: unsupported field 'conv_pre_film' (FiLM"},
        {"wn_groups.nam", NULL, "\"groups_input\": 2,",
         "unsupported field 'groups_input' = 2 (grouped convolutions"},
        {"wn_h1groups.nam", NULL,
         "\"head1x1\": {\"active\": true, \"out_channels\": 2, "
         "\"groups\": 2},",
         "unsupported field 'head1x1.groups' = 2"},
        {"wn_unknown.nam", NULL, "\"film_everything\": 1,",
         "config.layers[0]: unsupported field 'film_everything'"},
        {"wn_slim.nam", NULL,
         "\"slimmable\": {\"method\": \"slice_channels_random\"},",
         "unsupported field 'slimmable' (method 'slice_channels_random'"},
        {"wn_slim_ch.nam", NULL,
         "\"slimmable\": {\"method\": \"slice_channels_uniform\", "
         "\"kwargs\": {\"allowed_channels\": [2, 1]}},",
         "'slimmable.kwargs.allowed_channels' must be ascending channel "
         "counts ending with 'channels' (2)"},
        {"wn_slim_key.nam", NULL,
         "\"slimmable\": {\"method\": \"slice_channels_uniform\", "
         "\"kwargs\": {\"allowed_channels\": [1, 2], \"min\": 1}},",
         "unsupported field 'min'"},
        {"wn_cond.nam", "\"condition_size\": 1", "\"condition_size\": 2",
         "unsupported field 'condition_size' = 2"},
        {"wn_conddsp.nam", "\"head\": null", "\"condition_dsp\": {}",
         "config: unsupported field 'condition_dsp'"},
        {"wn_posthead.nam", "\"head\": null", "\"head\": {}",
         "config: unsupported field 'head' (a post-stack head"},
        {"wn_topkey.nam", "\"sample_rate\": 48000",
         "\"sample_rate\": "
         "48000, \"extra\": 1",
         "top level: unsupported field 'extra'"},
        {"wn_count.nam", "0.1, 0.02]", "0.1]",
         "'weights' has 23 values, the WaveNet described by 'config' needs "
         "24"},
        {"wn_version.nam", "\"0.5.4\"", "\"0.8.0\"",
         "'version' 0.8.0 is not supported"},
        {"wn_act.nam", "\"Tanh\"", "\"Mish\"",
         "activation 'Mish' is not "
         "supported"},
        {"wn_prelu.nam", "\"Tanh\"",
         "{\"type\": \"PReLU\", \"negative_slopes\": [0.1, 0.2]}",
         "unsupported field 'negative_slopes'"},
        {"wn_gating.nam", "\"gated\": false", "\"gating_mode\": \"maybe\"",
         "'gating_mode' must be none, gated or blended"},
        {"wn_kernels.nam", NULL, "\"kernel_sizes\": [2],",
         "exactly one of 'kernel_size' or 'kernel_sizes'"},
        {"wn_bottleneck.nam", NULL,
         "\"bottleneck\": 1, \"layer1x1\": {\"active\": false, "
         "\"groups\": 1},",
         "without layer1x1 the bottleneck (1) must equal channels (2)"},
        {"wn_dilation.nam", "[1]", "[100000]", "dilation * (kernel - 1)"},
        {"wn_rf.nam", "[1]", "[65536, 65536]",
         "receptive field 131072 samples"},
        {"wn_weight.nam", "0.1, 0.02]", "1e40, 0.02]", "weights"},
        {"wn_arch.nam", "\"input_size\": 1, \"condition_size\": 1",
         "\"input_size\": 2, \"condition_size\": 1",
         "input_size 2 or head input 2 does not match"},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        char to[256];
        if (!c[i].from)
            snprintf(to, sizeof to, "%s %s", L, c[i].to);
        expect_fail_repl(c[i].name, WAVENET, c[i].from ? c[i].from : L,
                         c[i].from ? c[i].to : to, c[i].msg);
    }
    /* a channel-sliced WaveNet is read as a container of its sizes */
    char *ok = replace(WAVENET, L,
                       "\"input_size\": 1, \"slimmable\": {\"method\": "
                       "\"slice_channels_uniform\", \"kwargs\": "
                       "{\"allowed_channels\": [1, 2]}},");
    expect_ok("wn_slim_ok.nam", ok);
    free(ok);
}
END_TEST

/* Containers: ascending max_value, the last >= 1, valid submodels whose
 * errors say which submodel. */
START_TEST(bad_container)
{
    char buf[8192];
    snprintf(buf, sizeof buf, "%s%s}, {\"max_value\": 1.0, \"model\": %s}]}}\n",
             CONTAINER_HEAD, WAVENET, WAVENET);
    expect_ok("container.nam", buf);
    expect_fail_repl("c_order.nam", buf, "\"max_value\": 0.5",
                     "\"max_value\": 2.0", "max_value must be ascending");
    expect_fail_repl("c_last.nam", buf, "\"max_value\": 1.0",
                     "\"max_value\": 0.9", "max_value must be >= 1");
    expect_fail_repl("c_sub.nam", buf, "\"Tanh\"", "\"Mish\"",
                     "config.submodels[0]: config.layers[0]: activation "
                     "'Mish'");
    expect_fail_repl("c_key.nam", buf, "{\"max_value\": 0.5,",
                     "{\"min_value\": 0, \"max_value\": 0.5,",
                     "config.submodels[0]: unsupported field 'min_value'");
    expect_fail_repl("c_weights.nam", buf, "\"SlimmableContainer\",",
                     "\"SlimmableContainer\", \"weights\": [1],",
                     "unsupported field 'weights'");
    expect_fail_repl("c_empty.nam", buf, "\"submodels\": [",
                     "\"submodels\": [], \"x\": [",
                     "config: unsupported field 'x'");
}
END_TEST

/* Hybrid models: fir layers only at the ends, one array of 1..16384
 * finite taps. */
START_TEST(bad_fir_layers)
{
    const char *pre = "{\"type\": \"fir\", \"weights\": [[1.0, 0.5]]},\n";
    char *ok = replace(AIDAX, "\"layers\": [\n", "\"layers\": [\n");
    char *with = malloc(strlen(ok) + 200);
    const char *at = strstr(ok, "\"layers\": [\n") + strlen("\"layers\": [\n");
    snprintf(with, strlen(ok) + 200, "%.*s%s%s", (int)(at - ok), ok, pre, at);
    expect_ok("fir_pre.json", with);
    expect_fail_repl("fir_taps0.json", with, "[[1.0, 0.5]]", "[[]]",
                     "1 to 16384 taps");
    expect_fail_repl("fir_two.json", with, "[[1.0, 0.5]]", "[[1.0], [0.5]]",
                     "list of one array");
    expect_fail_repl("fir_nan.json", with, "[[1.0, 0.5]]", "[[1.0, NaN]]",
                     "JSON");
    expect_fail_repl("fir_str.json", with, "[[1.0, 0.5]]", "[[1.0, \"x\"]]",
                     "taps");
    /* a fir between the recurrent layer and the head */
    char *mid = replace(AIDAX, "  {\"type\": \"dense\"",
                        "  {\"type\": \"fir\", \"weights\": [[1]]},\n"
                        "  {\"type\": \"dense\"");
    expect_fail("fir_mid.json", mid, strlen(mid), "first or the last");
    free(mid);
    free(with);
    free(ok);
}
END_TEST

START_TEST(fifty_layers)
{
    /* 50 dense layers: refused by count before any weight is read. */
    size_t cap = 50 * 128 + 128, off = 0;
    char *s = malloc(cap);
    off += (size_t)snprintf(s + off, cap - off,
                            "{\"in_shape\": [null, null, 1], \"layers\": [");
    for (int i = 0; i < 50; i++)
        off += (size_t)snprintf(
            s + off, cap - off,
            "%s{\"type\": \"dense\", \"shape\": [null, null, 1], "
            "\"weights\": [[[1]], [0]]}",
            i ? "," : "");
    snprintf(s + off, cap - off, "]}");
    expect_fail("fifty.json", s, strlen(s), "50 layers");
    free(s);
}
END_TEST

START_TEST(files)
{
    char path[512], err[RNNAMP_ERR_LEN];
    /* A directory. */
    rnnamp_model *m = rnnamp_model_load(tmpdir, err, sizeof err);
    ck_assert_ptr_null(m);
    ck_assert_msg(strstr(err, tmpdir) && strstr(err, "directory"), "%s", err);
    /* An empty file. */
    expect_fail("empty.json", "", 0, "empty");
    /* A missing file. */
    snprintf(path, sizeof path, "%s/missing.json", tmpdir);
    m = rnnamp_model_load(path, err, sizeof err);
    ck_assert_ptr_null(m);
    ck_assert_msg(strstr(err, path) && strstr(err, "No such file"), "%s", err);
    /* A 2 GB file (sparse: no disk used): refused by size before reading. */
    snprintf(path, sizeof path, "%s/huge.json", tmpdir);
    int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(ftruncate(fd, 2LL * 1024 * 1024 * 1024), 0);
    ck_assert_int_eq(close(fd), 0);
    m = rnnamp_model_load(path, err, sizeof err);
    ck_assert_ptr_null(m);
    ck_assert_msg(strstr(err, path) && strstr(err, "too large"), "%s", err);
    /* A FIFO must not hang the loader. */
    snprintf(path, sizeof path, "%s/fifo.json", tmpdir);
    ck_assert_int_eq(mkfifo(path, 0600), 0);
    m = rnnamp_model_load(path, err, sizeof err);
    ck_assert_ptr_null(m);
    ck_assert_msg(strstr(err, path) && strstr(err, "not a regular file"), "%s",
                  err);
    /* NULL / empty path. */
    ck_assert_ptr_null(rnnamp_model_load("", err, sizeof err));
    ck_assert_ptr_null(rnnamp_model_load(NULL, err, sizeof err));
    /* A NULL error buffer is fine. */
    ck_assert_ptr_null(rnnamp_model_load(tmpdir, NULL, 0));
}
END_TEST

START_TEST(too_many_values)
{
    /* 5 M zeros in 10 MB: refused before jansson builds 5 M nodes. */
    size_t n = 5u * 1024u * 1024u, len = 2 * n + 16;
    char *s = malloc(len);
    ck_assert_ptr_nonnull(s);
    size_t off = (size_t)snprintf(s, len, "{\"layers\": [");
    for (size_t i = 0; i < n; i++) {
        s[off++] = '0';
        s[off++] = ',';
    }
    memcpy(s + off, "0]}", 3);
    off += 3;
    char err[RNNAMP_ERR_LEN];
    rnnamp_model *m =
        rnnamp_model_load_buffer(s, off, "zeros.json", err, sizeof err);
    ck_assert_ptr_null(m);
    ck_assert_msg(strstr(err, "zeros.json") && strstr(err, "too many"), "%s",
                  err);
    free(s);
}
END_TEST

/* Exactly at the value cap the parser runs (and the file is refused for
 * what it is, not for its size); one value more is refused up front with
 * the cap and the model limits in the message. */
static char *zeros_file(size_t n, size_t *len)
{
    /* {"layers": [0,0,...,0]}: 1 object + 1 list + n numbers. */
    size_t cap = 2 * n + 32, off;
    char *s = malloc(cap);
    ck_assert_ptr_nonnull(s);
    off = (size_t)snprintf(s, cap, "{\"layers\": [");
    for (size_t i = 0; i < n; i++) {
        s[off++] = '0';
        s[off++] = i + 1 < n ? ',' : ']';
    }
    s[off++] = '}';
    *len = off;
    return s;
}

START_TEST(value_cap_boundary)
{
    ck_assert_uint_eq(RNNAMP_JSON_MAX_VALUES, 1048576u);
    size_t len;
    char err[RNNAMP_ERR_LEN];
    char *s = zeros_file(RNNAMP_JSON_MAX_VALUES - 2, &len);
    ck_assert_ptr_null(
        rnnamp_model_load_buffer(s, len, "at-cap.json", err, sizeof err));
    ck_assert_msg(strstr(err, "too many") == NULL, "%s", err);
    ck_assert_msg(strstr(err, "at-cap.json") && strstr(err, "in_shape"), "%s",
                  err);
    free(s);
    s = zeros_file(RNNAMP_JSON_MAX_VALUES - 1, &len);
    ck_assert_ptr_null(
        rnnamp_model_load_buffer(s, len, "over-cap.json", err, sizeof err));
    printf("  refused: %s\n", err);
    ck_assert_str_eq(err, "over-cap.json: too many JSON values (about 1048577; "
                          "a model file has at most 1048576: enough for 7 "
                          "layers of 128 units, 4 inputs and a 16384-sample "
                          "reference batch)");
    free(s);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("formats-bad-input");
    TCase *tc = tcase_create("bad-input");
    tcase_add_checked_fixture(tc, tmpdir_setup, tmpdir_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, templates_are_valid);
    tcase_add_test(tc, malformed_json);
    tcase_add_test(tc, non_finite);
    tcase_add_test(tc, wrong_sizes);
    tcase_add_test(tc, gru_reset_before);
    tcase_add_test(tc, bad_structure);
    tcase_add_test(tc, bad_fir_layers);
    tcase_add_test(tc, bad_wavenet);
    tcase_add_test(tc, bad_container);
    tcase_add_test(tc, fifty_layers);
    tcase_add_test(tc, files);
    tcase_add_test(tc, too_many_values);
    tcase_add_test(tc, value_cap_boundary);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
