/* poll_common.c - the parts of poll.h that read the same over POSIX and
 * Winsock select(): a set is one heap block (a Windows fd_set of 4096
 * sockets is 32 KiB, too big for the stack) that holds at most FD_SETSIZE
 * sockets. How sockets are stored is up to poll_posix.c / poll_win32.c. */
#include "platform/poll_internal.h"

#include <stdlib.h>

net_poll *net_poll_create(void)
{
    net_poll *p = malloc(net_poll_os_size());
    if (p != NULL)
        net_poll_clear(p);
    return p;
}

void net_poll_destroy(net_poll *p)
{
    free(p);
}

int net_poll_capacity(void)
{
    return FD_SETSIZE;
}
