/* rnnamp base: the one header of the plugin's URIs (plain strings, no LV2
 * dependency), shared by the plugin, the offline host, the preset writer,
 * the tools and the tests. ttl/rnnamp.ttl states the same URIs.
 */
#ifndef RNNAMP_BASE_RNNAMP_URIS_H
#define RNNAMP_BASE_RNNAMP_URIS_H

#define RNNAMP_URI        "http://rnnamp.org/plugins/rnnamp"
/* the stereo plugin: two channels, one model (same parameters and ports) */
#define RNNAMP_STEREO_URI RNNAMP_URI "#stereo"
#define RNNAMP__model     RNNAMP_URI "#model"
#define RNNAMP__status    RNNAMP_URI "#status"
#define RNNAMP__modelName RNNAMP_URI "#modelName"
#define RNNAMP__ir        RNNAMP_URI "#ir"       /* cabinet IR file */
#define RNNAMP__modelDir  RNNAMP_URI "#modelDir" /* model folder */
#define RNNAMP__program   RNNAMP_URI "#program"  /* state: folder program */

#endif
