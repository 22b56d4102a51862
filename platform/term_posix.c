/* term_posix.c - the terminal on POSIX: termios raw mode, restored at exit and
 * on fatal signals; the width from TIOCGWINSZ, with SIGWINCH marking changes.
 * The saved termios and the flags are the process's terminal state, which is
 * global by nature; the signal handlers may only touch these. */
#include "platform/term.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

static struct termios saved_termios;
static volatile sig_atomic_t raw_active;
static volatile sig_atomic_t resized_flag;
static int handlers_installed;

/* Signals that end the process without a chance to clean up: restore the
 * terminal, then die the default way (SA_RESETHAND re-arms the default). */
static const int fatal_signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGQUIT};

bool term_stdin_is_tty(void)
{
    return isatty(STDIN_FILENO) == 1;
}

bool term_stdout_is_tty(void)
{
    return isatty(STDOUT_FILENO) == 1;
}

int term_prepare_output(void)
{
    return 0;
}

/* Async-signal-safe: tcsetattr is on the POSIX list. */
void term_raw_disable(void)
{
    if (raw_active) {
        tcsetattr(STDIN_FILENO, TCSADRAIN, &saved_termios);
        raw_active = 0;
    }
}

static void on_fatal_signal(int sig)
{
    term_raw_disable();
    raise(sig);
}

static void on_winch(int sig)
{
    (void)sig;
    resized_flag = 1;
}

static void restore_at_exit(void)
{
    term_raw_disable();
}

static void install_handlers(void)
{
    struct sigaction sa;
    size_t i;

    if (handlers_installed)
        return;
    handlers_installed = 1;
    atexit(restore_at_exit);

    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_fatal_signal;
    sa.sa_flags = (int)SA_RESETHAND;
    for (i = 0; i < sizeof fatal_signals / sizeof fatal_signals[0]; i++)
        sigaction(fatal_signals[i], &sa, NULL);

    /* No SA_RESTART: a resize should also end a select() early. */
    sa.sa_handler = on_winch;
    sa.sa_flags = 0;
    sigaction(SIGWINCH, &sa, NULL);
}

int term_raw_enable(void)
{
    struct termios raw;

    if (raw_active)
        return 0;
    if (tcgetattr(STDIN_FILENO, &saved_termios) != 0)
        return -1;
    raw = saved_termios;
    /* Bytes as typed: no CR->LF, no flow control, no parity stripping. */
    raw.c_iflag &= ~(tcflag_t)(BRKINT | ICRNL | INLCR | IGNCR | INPCK | ISTRIP | IXON);
    /* No echo, no line editing, no signals from Ctrl-C / Ctrl-Z / Ctrl-\. */
    raw.c_lflag &= ~(tcflag_t)(ECHO | ICANON | IEXTEN | ISIG);
    raw.c_cflag |= CS8;
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    install_handlers();
    if (tcsetattr(STDIN_FILENO, TCSADRAIN, &raw) != 0)
        return -1;
    raw_active = 1;
    return 0;
}

int term_columns(void)
{
    struct winsize ws;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    return 80;
}

bool term_resized(void)
{
    if (!resized_flag)
        return false;
    resized_flag = 0;
    return true;
}

int term_write(const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(STDOUT_FILENO, data, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        data += n;
        len -= (size_t)n;
    }
    return 0;
}
