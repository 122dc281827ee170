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
out=$("$info" "$corpus/rtneural_gru_1d.json") || fail "exit $? on RTNeural gru_1d"
echo "$out" | grep -q "layer 1: dense   8 ->   8  sigmoid" || fail "gru_1d: expected dense 8 -> 8 sigmoid"
err=$("$info" "$corpus/nam_wavenet.nam" 2>&1) && fail "WaveNet file accepted"
echo "$err" | grep -q "nam_wavenet.nam" || fail "error does not name the file: $err"
echo "$err" | grep -qi "wavenet" || fail "error does not name the architecture: $err"
err=$("$info" /nonexistent/model.json 2>&1) && fail "missing file accepted"
echo "$err" | grep -q "/nonexistent/model.json" || fail "error does not name the file: $err"
echo "info-cli: OK"
