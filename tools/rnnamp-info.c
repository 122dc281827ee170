/* rnnamp-info: what a model file holds, and whether it plays.
 *
 *   rnnamp-info MODEL [MODEL ...]
 *
 * For each file: the detected format, the layers, the parameter count, the
 * sample rate, gains and loudness metadata, the load-time self-test result
 * (for files that carry input_batch/output_batch), the compute cost
 * (multiply-adds per sample and per second at 48 kHz) and whether it fits
 * the plugin's real-time budget (engine.h), and the engine this CPU
 * would run it with (kernel, memory, ns/sample is rnnamp-bench's job).
 * Exit status 1 if any file fails to load. */
#include <stdio.h>
#include <string.h>

#include "engine.h"
#include "model.h"
#include "model_io.h"
#include "wavenet.h"

static const char *act_name(rnnamp_act a)
{
    switch (a) {
    case RNNAMP_ACT_TANH: return "tanh";
    case RNNAMP_ACT_SIGMOID: return "sigmoid";
    case RNNAMP_ACT_RELU: return "relu";
    default: return "linear";
    }
}

/* The cost line, and whether the plugin would play the model at 48 kHz. */
static void print_cost(const rnnamp_model *m)
{
    const double rate = 48000;
    char err[RNNAMP_ERR_LEN];
    int ok = rnnamp_engine_check_budget(m, rate, err, sizeof err) == 0;
    printf("  cost: %.0f multiply-adds per sample, %.1f M per second at "
           "%.0f Hz: %s the real-time budget (%.0f M per second)\n",
           rnnamp_engine_cost_macs(m),
           rnnamp_engine_cost_per_second(m, rate) / 1e6, rate,
           ok ? "fits" : "EXCEEDS", RNNAMP_BUDGET_MACS_PER_SECOND / 1e6);
    if (!ok)
        printf("  the plugin refuses it: %s\n", err);
}

/* A WaveNet's layer arrays, receptive field and prewarm. */
static void print_wavenet(const rnnamp_model *m, const char *indent)
{
    const rnnamp_wavenet *w = m->wavenet;
    for (int a = 0; a < w->n_arrays; a++) {
        const rnnamp_wn_array *A = &w->arrays[a];
        const rnnamp_wn_layer *L = &w->layers[A->first_layer];
        printf("%slayer array %d: %d -> %d channels, bottleneck %d, %d "
               "layers, kernel %d%s, dilations",
               indent, a, A->in_size, A->channels, A->bottleneck, A->n_layers,
               L->kernel, A->n_layers > 1 ? " (first)" : "");
        for (int l = 0; l < A->n_layers; l++)
            printf("%s%d", l ? "," : " ",
                   w->layers[A->first_layer + l].dilation);
        printf("\n%s  %s%s%s%s, head %d -> %d (kernel %d%s)\n", indent,
               rnnamp_wn_act_name(L->act.type),
               L->gating == RNNAMP_WN_GATE_GATED     ? ", gated"
               : L->gating == RNNAMP_WN_GATE_BLENDED ? ", blended"
                                                     : "",
               A->layer1x1 ? ", layer1x1" : "", A->head1x1 ? ", head1x1" : "",
               A->head_in, A->head_size, A->head_kernel,
               A->head_bias ? ", bias" : "");
    }
    printf("%sreceptive field: %ld samples (%.1f ms), prewarm %ld samples, "
           "head_scale %g\n",
           indent, rnnamp_wn_receptive_field(w),
           1000.0 * (double)rnnamp_wn_receptive_field(w) /
               (m->meta.sample_rate > 0 ? m->meta.sample_rate : 48000.0),
           rnnamp_wn_prewarm_samples(w), w->head_scale);
}

/* The network: RNN layers, a WaveNet, or a container's submodels. */
static void print_network(const rnnamp_model *m)
{
    if (m->kind == RNNAMP_KIND_WAVENET) {
        print_wavenet(m, "  ");
        return;
    }
    for (int s = 0; s < m->n_sub; s++) {
        char d[256];
        rnnamp_model_describe(m->sub[s], d, sizeof d);
        printf("  size < %g%s: %s, %.0f multiply-adds per sample\n",
               m->sub_max[s], s == m->n_sub - 1 ? " (and 1, the default)" : "",
               d, rnnamp_engine_cost_macs(m->sub[s]));
        if (m->sub[s]->kind == RNNAMP_KIND_WAVENET)
            print_wavenet(m->sub[s], "    ");
    }
    for (int i = 0; i < m->n_layers; i++) {
        const rnnamp_layer *L = &m->layers[i];
        printf("  layer %d: %-5s %3d -> %3d%s%s\n", i,
               rnnamp_layer_type_name(L->type), L->n_in, L->n_out,
               L->type == RNNAMP_DENSE ? "  " : "",
               L->type == RNNAMP_DENSE ? act_name(L->act) : "");
    }
}

static int info(const char *path)
{
    char err[RNNAMP_ERR_LEN];
    rnnamp_model *m = rnnamp_model_load(path, err, sizeof err);
    if (!m) {
        fprintf(stderr, "rnnamp-info: %s\n", err);
        return 1;
    }
    char sum[512];
    rnnamp_model_summary(m, sum, sizeof sum);
    printf("%s\n  %s\n", path, sum);
    printf("  inputs: %d (audio%s)%s\n", m->n_inputs,
           m->n_inputs > 1 ? " + knobs" : "",
           !m->skip      ? ""
           : m->pre_taps ? ", skip: network output + its (pre-FIR'd) input"
                         : ", skip: output = input + network");
    print_network(m);
    if (m->pre_taps)
        printf("  pre-FIR: %d taps before the network%s\n", m->pre_taps,
               m->pre_taps > 64 ? " (FFT convolution)" : " (direct form)");
    if (m->post_taps)
        printf("  post-FIR: %d taps after the network%s\n", m->post_taps,
               m->post_taps > 64 ? " (FFT convolution)" : " (direct form)");
    size_t np = m->n_params;
    for (int s = 0; s < m->n_sub; s++)
        np += m->sub[s]->n_params;
    printf("  parameters: %zu\n", np);
    const rnnamp_meta *mt = &m->meta;
    if (mt->sample_rate > 0)
        printf("  sample rate: %.0f Hz%s\n", mt->sample_rate,
               mt->sample_rate_assumed ? " (not in the file, assumed)" : "");
    else
        printf("  sample rate: not stated (played as 48000 Hz)\n");
    if (mt->in_gain_db != 0.f || mt->out_gain_db != 0.f)
        printf("  in_gain %.2f dB, out_gain %.2f dB\n", mt->in_gain_db,
               mt->out_gain_db);
    if (mt->has_loudness)
        printf("  loudness: %.2f dB\n", mt->loudness_db);
    if (mt->has_input_level || mt->has_output_level)
        printf("  calibration: input %.2f dBu, output %.2f dBu\n",
               mt->input_level_dbu, mt->output_level_dbu);
    if (mt->has_esr)
        printf("  ESR stated by the file: %.4g\n", mt->esr);
    if (mt->has_selftest)
        printf("  self-test (input_batch, %zu samples): max error %.3g\n",
               m->n_batch, mt->selftest_max_err);
    print_cost(m);
    rnnamp_engine *e = rnnamp_engine_new(m, NULL, err, sizeof err);
    int rc = 0;
    if (!e) {
        fprintf(stderr, "rnnamp-info: %s: %s\n", path, err);
        rc = 1;
    } else {
        printf("  engine: %s kernel, %zu bytes\n", rnnamp_engine_kernel_name(e),
               rnnamp_engine_bytes(e));
        rnnamp_engine_free(e);
    }
    rnnamp_model_free(m);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        fprintf(stderr, "usage: rnnamp-info MODEL [MODEL ...]\n");
        return argc < 2 ? 2 : 0;
    }
    int rc = 0;
    for (int i = 1; i < argc; i++)
        rc |= info(argv[i]);
    return rc;
}
