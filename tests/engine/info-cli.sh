#!/bin/sh
# rnnamp-info: reports the real structure of known files, and names the file
# and the problem for bad ones (exit 1).
# usage: info-cli.sh RNNAMP_INFO SOURCE_DIR
set -u
info=$1
corpus=$2/tests/fuzz/corpus
fail() { echo "info-cli: FAIL: $*" >&2; exit 1; }
out=$("$info" "$corpus/nam_NeuralAmpModelerCore_example_lstm.nam") || fail "exit $? on the NAM example"
echo "$out"
echo "$out" | grep -q "layer 0: lstm    1 ->   3" || fail "NAM example: expected an LSTM 1 -> 3"
echo "$out" | grep -q "sample rate: 48000 Hz" || fail "NAM example: expected 48000 Hz"
# LSTM 1 -> 3 + head: 4*3*(1+3) + 3 = 51 multiply-adds a sample.
echo "$out" | grep -q "cost: 51 multiply-adds per sample, 2.4 M per second at 48000 Hz: fits" || fail "NAM example: expected a cost of 51 that fits"
# 7 stacked LSTM-128 (NAM, all weights 0): 4*128*129 + 6*4*128*256 + 128 =
# 852608 a sample, 40925 M a second at 48 kHz: over the budget.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rnnamp-info.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
awk 'BEGIN { n = 66816 + 6 * 131840 + 129;
  printf "{\"architecture\": \"LSTM\", \"config\": {\"num_layers\": 7, ";
  printf "\"input_size\": 1, \"hidden_size\": 128}, \"weights\": [0";
  for (i = 1; i < n; i++) printf ",0"; print "]}" }' >"$tmp/heavy.nam"
out=$("$info" "$tmp/heavy.nam") || fail "exit $? on the heavy model (it loads offline)"
echo "$out" | grep -q "cost: 852608 multiply-adds per sample, 40925.2 M per second at 48000 Hz: EXCEEDS" || fail "heavy: expected a cost of 852608 that exceeds: $out"
echo "$out" | grep -q "refuses it: too heavy to run in real time: needs 40925 M multiply-adds per second at 48000 Hz" || fail "heavy: expected the refusal message: $out"
out=$("$info" "$corpus/rtneural_gru_1d.json") || fail "exit $? on RTNeural gru_1d"
echo "$out" | grep -q "layer 1: dense   8 ->   8  sigmoid" || fail "gru_1d: expected dense 8 -> 8 sigmoid"
err=$("$info" "$corpus/nam_wavenet.nam" 2>&1) && fail "WaveNet file accepted"
echo "$err" | grep -q "nam_wavenet.nam" || fail "error does not name the file: $err"
echo "$err" | grep -qi "wavenet" || fail "error does not name the architecture: $err"
# NAM WaveNets (our synthetic seeds): the layer arrays, the receptive
# field, the cost; a SlimmableContainer lists its sizes.
out=$("$info" "$corpus/nam_wavenet_a1.nam") || fail "exit $? on the WaveNet seed"
echo "$out" | grep -q "layer array 0: 1 -> 3 channels, bottleneck 3, 3 layers, kernel 3 (first), dilations 1,2,4" || fail "WaveNet: expected array 0: $out"
echo "$out" | grep -q "Tanh, gated, layer1x1, head 3 -> 3 (kernel 1)" || fail "WaveNet: expected gated Tanh: $out"
echo "$out" | grep -q "receptive field: 23 samples (0.5 ms), prewarm 24 samples" || fail "WaveNet: expected a receptive field of 23: $out"
echo "$out" | grep -q "cost: 507 multiply-adds per sample" || fail "WaveNet: expected a cost of 507: $out"
out=$("$info" "$corpus/nam_wavenet_a2.nam") || fail "exit $? on the container seed"
echo "$out" | grep -q "size < 0.5: WaveNet 2x2 k4 LeakyReLU head-conv" || fail "container: expected the small size: $out"
echo "$out" | grep -q "size < 1 (and 1, the default): WaveNet 5x3 k3 SiLU blended" || fail "container: expected the full size: $out"
err=$("$info" /nonexistent/model.json 2>&1) && fail "missing file accepted"
echo "$err" | grep -q "/nonexistent/model.json" || fail "error does not name the file: $err"
echo "info-cli: OK"
