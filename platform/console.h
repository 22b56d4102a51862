/* console.h - read standard input without blocking the network.
 *
 * The client waits on the server socket and the keyboard in one select().
 * POSIX: stdin is a descriptor select() can wait on directly (it is left in
 * blocking mode, which it shares with the shell). Windows: select() takes
 * only sockets, so a reader thread reads stdin and writes the bytes into one
 * end of a socket pair; the client selects on the other end. A Windows
 * console in raw mode (term_raw_enable) is read as key records and turned
 * into the bytes a Unix terminal sends: UTF-8 text and VT sequences for the
 * cursor keys (ESC [ D, ESC [ H, ESC [ 3 ~ ...), so the line editor sees the
 * same input on every OS. */
#ifndef NATTER_PLATFORM_CONSOLE_H
#define NATTER_PLATFORM_CONSOLE_H

#include <stddef.h>
#include "net.h"

typedef struct console_input console_input;

/* Start reading standard input. Returns NULL on failure. */
console_input *console_input_open(void);
/* Stop. On Windows the reader thread may still be blocked in a read; it
 * ends by itself once it notices, and the process may exit meanwhile. */
void console_input_close(console_input *in);

/* The handle to add to a net_poll set for NET_POLL_READ. */
net_socket console_input_handle(const console_input *in);

/* Read what is available (call when the handle is readable). Returns bytes
 * (> 0), 0 at end of input, NET_WOULD_BLOCK or NET_ERROR. */
long console_input_read(console_input *in, char *buf, size_t len);

#endif
