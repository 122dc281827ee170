/* rnnamp tests: a tiny JACK MIDI client that sends one MIDI message.
 *
 *   jack_midi_send TO_PORT BYTE...      (bytes in hex, e.g. c0 01)
 *
 * Registers a MIDI output, connects it to TO_PORT (e.g. a plugin's MIDI
 * input in jalv), writes the message at frame 0 of the next process
 * cycle after the connection, waits two more cycles (so the receiver has
 * read it) and exits. Exit 0 when sent, 2 on set-up errors or a 10 s
 * timeout (with a message).
 *
 * Threads: JACK's process thread writes the preallocated message; the
 * main thread sets up, waits and closes.
 */
#include <jack/jack.h>
#include <jack/midiport.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    jack_port_t *out;
    unsigned char msg[16];
    size_t len;
    atomic_int armed;  /* 1: send in the next cycle */
    atomic_int cycles; /* cycles since sending (-1: not sent) */
} sender;

static int process(jack_nframes_t n, void *arg)
{
    sender *s = arg;
    void *buf = jack_port_get_buffer(s->out, n);
    jack_midi_clear_buffer(buf);
    if (atomic_load(&s->armed)) {
        if (jack_midi_event_write(buf, 0, s->msg, s->len) == 0) {
            atomic_store(&s->armed, 0);
            atomic_store(&s->cycles, 0);
        }
    } else if (atomic_load(&s->cycles) >= 0) {
        atomic_fetch_add(&s->cycles, 1);
    }
    return 0;
}

static int parse(int argc, char **argv, sender *s)
{
    if (argc < 3 || (size_t)(argc - 2) > sizeof s->msg) {
        fprintf(stderr, "usage: jack_midi_send TO_PORT BYTE... (hex)\n");
        return -1;
    }
    for (int i = 2; i < argc; i++) {
        char *end;
        unsigned long v = strtoul(argv[i], &end, 16);
        if (*end || v > 255) {
            fprintf(stderr, "jack_midi_send: '%s' is not a hex byte\n",
                    argv[i]);
            return -1;
        }
        s->msg[s->len++] = (unsigned char)v;
    }
    return 0;
}

int main(int argc, char **argv)
{
    sender s;
    memset(&s, 0, sizeof s);
    atomic_init(&s.armed, 0);
    atomic_init(&s.cycles, -1);
    if (parse(argc, argv, &s) != 0)
        return 2;
    jack_status_t st;
    jack_client_t *c =
        jack_client_open("rnnamp-midi-send", JackNoStartServer, &st);
    if (!c) {
        fprintf(stderr, "jack_midi_send: no JACK server (status 0x%x)\n",
                (unsigned)st);
        return 2;
    }
    s.out = jack_port_register(c, "out", JACK_DEFAULT_MIDI_TYPE,
                               JackPortIsOutput, 0);
    if (!s.out || jack_set_process_callback(c, process, &s) != 0 ||
        jack_activate(c) != 0) {
        fprintf(stderr, "jack_midi_send: cannot set up the MIDI port\n");
        jack_client_close(c);
        return 2;
    }
    if (jack_connect(c, jack_port_name(s.out), argv[1]) != 0) {
        fprintf(stderr, "jack_midi_send: cannot connect to %s\n", argv[1]);
        jack_client_close(c);
        return 2;
    }
    atomic_store(&s.armed, 1);
    int rc = 2;
    for (int i = 0; i < 1000; i++) {
        if (atomic_load(&s.cycles) >= 2) {
            rc = 0;
            break;
        }
        usleep(10000);
    }
    if (rc)
        fprintf(stderr, "jack_midi_send: timeout, nothing sent\n");
    jack_deactivate(c);
    jack_client_close(c);
    return rc;
}
