/* console.h - read standard input without blocking the network.
 *
 * The client waits on the server socket and the keyboard in one select().
 * POSIX: stdin is a descriptor select() can wait on directly. Windows:
 * select() takes only sockets, so a reader thread reads the console (UTF-16,
 * converted to UTF-8) or the pipe, and writes the bytes into one end of a
 * socket pair; the client selects on the other end. */
#ifndef NATTER_PLATFORM_CONSOLE_H
#define NATTER_PLATFORM_CONSOLE_H

#include <stddef.h>
#include "net.h"

typedef struct console_input console_input;

/* Start reading standard input. Returns NULL on failure. */
console_input *console_input_open(void);
void console_input_close(console_input *in);

/* The handle to add to a net_poll set for NET_POLL_READ. */
net_socket console_input_handle(const console_input *in);

/* Read what is available (call when the handle is readable). Returns bytes
 * (> 0), 0 at end of input, NET_WOULD_BLOCK or NET_ERROR. */
long console_input_read(console_input *in, char *buf, size_t len);

#endif
