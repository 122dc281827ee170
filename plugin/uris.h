/* rnnamp plugin: URIs and their mapped URIDs.
 *
 * Threads: rnnamp_uris_map() in instantiate only (calls the host's map).
 * Memory: plain value type.
 */
#ifndef RNNAMP_PLUGIN_URIS_H
#define RNNAMP_PLUGIN_URIS_H

#include <lv2/atom/atom.h>
#include <lv2/midi/midi.h>
#include <lv2/patch/patch.h>
#include <lv2/urid/urid.h>

#include "rnnamp_uris.h"

typedef struct {
    LV2_URID atom_Path, atom_String, atom_URID, atom_URI, atom_Object;
    LV2_URID atom_Int, midi_MidiEvent;
    LV2_URID patch_Set, patch_Get, patch_property, patch_value;
    LV2_URID patch_subject;
    LV2_URID plugin; /* the subject of our patch messages: RNNAMP_URI
                      * (the caller maps RNNAMP_STEREO_URI for stereo) */
    LV2_URID model, status, model_name, ir, model_dir, program;
} rnnamp_uris;

static inline void rnnamp_uris_map(rnnamp_uris *u, LV2_URID_Map *map)
{
    u->atom_Path = map->map(map->handle, LV2_ATOM__Path);
    u->atom_String = map->map(map->handle, LV2_ATOM__String);
    u->atom_URID = map->map(map->handle, LV2_ATOM__URID);
    u->atom_URI = map->map(map->handle, LV2_ATOM__URI);
    u->atom_Object = map->map(map->handle, LV2_ATOM__Object);
    u->patch_Set = map->map(map->handle, LV2_PATCH__Set);
    u->patch_Get = map->map(map->handle, LV2_PATCH__Get);
    u->patch_property = map->map(map->handle, LV2_PATCH__property);
    u->patch_value = map->map(map->handle, LV2_PATCH__value);
    u->patch_subject = map->map(map->handle, LV2_PATCH__subject);
    u->plugin = map->map(map->handle, RNNAMP_URI);
    u->model = map->map(map->handle, RNNAMP__model);
    u->status = map->map(map->handle, RNNAMP__status);
    u->model_name = map->map(map->handle, RNNAMP__modelName);
    u->ir = map->map(map->handle, RNNAMP__ir);
    u->model_dir = map->map(map->handle, RNNAMP__modelDir);
    u->program = map->map(map->handle, RNNAMP__program);
    u->atom_Int = map->map(map->handle, LV2_ATOM__Int);
    u->midi_MidiEvent = map->map(map->handle, LV2_MIDI__MidiEvent);
}

#endif
