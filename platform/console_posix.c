/* console_posix.c - standard input on POSIX is a descriptor that select() can
 * wait on directly, so the "handle" is simply fd 0. stdin is left blocking:
 * O_NONBLOCK would be shared with the shell that started us, and a read()
 * after select() said "readable" does not block anyway. */
#include "platform/console.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

struct console_input {
    int fd;
};

console_input *console_input_open(void)
{
    console_input *in = (console_input *)malloc(sizeof *in);
    if (in)
        in->fd = STDIN_FILENO;
    return in;
}

void console_input_close(console_input *in)
{
    free(in);
}

net_socket console_input_handle(const console_input *in)
{
    return in->fd;
}

long console_input_read(console_input *in, char *buf, size_t len)
{
    for (;;) {
        ssize_t n = read(in->fd, buf, len);
        if (n >= 0)
            return (long)n;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return NET_WOULD_BLOCK;
        return NET_ERROR;
    }
}
