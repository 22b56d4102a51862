/* irc_fe.h - IRC as a front-end of the chat model: an IRC nick is a natter
 * name, an IRC channel is a natter room (history and operators included), so
 * IRC users and natter users talk to each other. docs/irc.md lists what is
 * supported. Registration follows modern IRC (modern.ircdocs.horse): CAP
 * LS/REQ/END, NICK/USER, 001-005, LUSERS, MOTD; the IRCv3 caps offered are
 * server-time, echo-message and multi-prefix.
 *
 * Like natter_fe.h: no sockets; the server hands in lines and gets output
 * through frontend_io. Events are formatted once per variant (server-time or
 * not) and the bytes reused for every IRC recipient. */
#ifndef NATTER_CORE_IRC_FE_H
#define NATTER_CORE_IRC_FE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/chat.h"
#include "core/frontend.h"

typedef struct irc_fe irc_fe;
typedef struct irc_session irc_session;

/* IRC's line limit: 512 bytes with the CRLF. Longer input gets 417. */
#define IRC_MAX_LINE 510

#define IRC_DEFAULT_PING_INTERVAL_MS (120 * 1000)
#define IRC_DEFAULT_PING_TIMEOUT_MS  (60 * 1000)

typedef struct irc_fe_config {
    const char *server_name;      /* "irc.example.org" */
    const char *network;          /* "natter" */
    const char *version;          /* "0.1.0" */
    const char *created;          /* when the server started, for 003 */
    const char *motd;             /* message of the day (lines), or NULL: 422 */
    uint64_t ping_interval_ms;    /* silence before the server sends PING */
    uint64_t ping_timeout_ms;     /* then without PONG (or anything): "Ping timeout" */
    uint64_t register_timeout_ms; /* not registered by then: closed; 0: never */
    uint64_t idle_timeout_ms;     /* no line (PONGs do not count) for this long: closed; 0: never */
} irc_fe_config;

void irc_fe_config_defaults(irc_fe_config *cfg);

/* Returns NULL when memory runs out. cfg's strings are copied. */
irc_fe *irc_fe_create(chat *c, const irc_fe_config *cfg, const frontend_io *io);
void irc_fe_destroy(irc_fe *fe);

irc_session *irc_fe_connected(irc_fe *fe, void *conn, const char *peer);
void irc_fe_line(irc_fe *fe, irc_session *s, const char *line, size_t len);
void irc_fe_line_too_long(irc_fe *fe, irc_session *s);
void irc_fe_left(irc_fe *fe, irc_session *s, const char *reason);
void irc_fe_shutdown(irc_fe *fe);
/* Timers: pings, ping timeouts, registration timeouts. */
void irc_fe_tick(irc_fe *fe, uint64_t now_ms);
uint64_t irc_fe_next_timer(irc_fe *fe, uint64_t now_ms);

size_t irc_fe_session_count(const irc_fe *fe);
size_t irc_fe_registered_count(const irc_fe *fe);

/* The front-end as the server drives it. */
frontend irc_fe_frontend(irc_fe *fe);

#endif
