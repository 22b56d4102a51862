/* poll_common.c - the parts of poll.h that read the same over POSIX and
 * Winsock select(): a set is one heap block whose layout (run-time sized
 * bitmaps on POSIX, counted arrays of FD_SETSIZE sockets on Windows) only
 * poll_posix.c / poll_win32.c know; they also say how many sockets fit. */
#include "platform/poll_internal.h"

#include <stdlib.h>

net_poll *net_poll_create(void)
{
    net_poll *p = calloc(1, net_poll_os_size());
    if (p != NULL)
        net_poll_os_init(p);
    return p;
}

void net_poll_destroy(net_poll *p)
{
    if (p == NULL)
        return;
    net_poll_os_free(p);
    free(p);
}
