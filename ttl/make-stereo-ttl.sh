#!/bin/sh
# Write the stereo plugin's description from the mono plugin's, so that the
# two always have the same control ports, parameters and features:
# ttl/rnnamp.ttl's prefixes and its plugin block with the stereo URI and
# name, the audio ports 0/1 renamed in_l/out_l, and the right channel's
# in_r (index 20) and out_r (index 21) added after the last port (the
# indices plugin/rnnamp.c gives them; a mono port with index 20 or more
# gets index + 2). The parameters (#model, #ir, ...)
# stay described in rnnamp.ttl, which the manifest lists for both plugins.
# The four audio ports form two LV2 port groups (pg:StereoGroup, the
# plugin's pg:mainInput and pg:mainOutput), each port designated pg:left
# or pg:right, so hosts that read port groups (Carla, MOD) pair them.
# usage: make-stereo-ttl.sh rnnamp.ttl > rnnamp-stereo.ttl
set -eu
in=$1
grep -q '^<http://rnnamp.org/plugins/rnnamp>$' "$in" || {
    echo "make-stereo-ttl: no plugin block in $in" >&2
    exit 1
}
echo '# Generated from rnnamp.ttl by ttl/make-stereo-ttl.sh: edit rnnamp.ttl.'
grep '^@prefix' "$in"
grep -q '^@prefix pg: ' "$in" ||
    echo '@prefix pg: <http://lv2plug.in/ns/ext/port-groups#> .'
echo
# mono ports from index 20 on (added after the stereo plugin's) move up 2
sed -n '/^<http:\/\/rnnamp.org\/plugins\/rnnamp>$/,$p' "$in" |
    awk '/^\t\tlv2:index [0-9]+ ;$/ && $2 + 0 >= 20 {
        $0 = "\t\tlv2:index " ($2 + 2) " ;" } { print }' |
    sed -e 's|^<http://rnnamp.org/plugins/rnnamp>$|<http://rnnamp.org/plugins/rnnamp#stereo>|' \
        -e 's|^\tdoap:name "rnnamp" ;$|\tdoap:name "rnnamp stereo" ;\
\tpg:mainInput <http://rnnamp.org/plugins/rnnamp#stereo_in> ;\
\tpg:mainOutput <http://rnnamp.org/plugins/rnnamp#stereo_out> ;|' \
        -e 's|^\trdfs:comment "\(.*\)" ;$|\trdfs:comment "Stereo: two channels through one model and one cabinet IR loaded once, each channel with its own state. \1" ;|' \
        -e 's|^\t\tlv2:symbol "in" ;$|\t\tlv2:symbol "in_l" ;\
\t\tpg:group <http://rnnamp.org/plugins/rnnamp#stereo_in> ;\
\t\tlv2:designation pg:left ;|' \
        -e 's|^\t\tlv2:name "In"$|\t\tlv2:name "In L"|' \
        -e 's|^\t\tlv2:symbol "out" ;$|\t\tlv2:symbol "out_l" ;\
\t\tpg:group <http://rnnamp.org/plugins/rnnamp#stereo_out> ;\
\t\tlv2:designation pg:left ;|' \
        -e 's|^\t\tlv2:name "Out"$|\t\tlv2:name "Out L"|' \
        -e '$s|^\t\] \.$|\t] , [\
\t\ta lv2:AudioPort ,\
\t\t\tlv2:InputPort ;\
\t\tlv2:index 20 ;\
\t\tlv2:symbol "in_r" ;\
\t\tpg:group <http://rnnamp.org/plugins/rnnamp#stereo_in> ;\
\t\tlv2:designation pg:right ;\
\t\tlv2:name "In R"\
\t] , [\
\t\ta lv2:AudioPort ,\
\t\t\tlv2:OutputPort ;\
\t\tlv2:index 21 ;\
\t\tlv2:symbol "out_r" ;\
\t\tpg:group <http://rnnamp.org/plugins/rnnamp#stereo_out> ;\
\t\tlv2:designation pg:right ;\
\t\tlv2:name "Out R"\
\t] .|'
cat <<'EOF'

<http://rnnamp.org/plugins/rnnamp#stereo_in>
	a pg:StereoGroup ,
		pg:InputGroup ;
	lv2:symbol "stereo_in" ;
	rdfs:label "Input" .

<http://rnnamp.org/plugins/rnnamp#stereo_out>
	a pg:StereoGroup ,
		pg:OutputGroup ;
	lv2:symbol "stereo_out" ;
	rdfs:label "Output" .
EOF
