/* report.c - see report.h. Latencies are kept in microseconds and shown in
 * milliseconds with three decimals for people. */
#include "report.h"

#include <stdarg.h>
#include <string.h>

static double ms(uint64_t us) { return (double)us / 1000.0; }

static void describe_load(char *buf, size_t len, const bench_config *cfg) {
    if (cfg->rate > 0)
        snprintf(buf, len, "%g messages/s each", cfg->rate);
    else
        snprintf(buf, len, "window %d", cfg->window);
}

/* Append one reason to the verdict, after "FAILED: " or ", ". */
static void add_reason(char *buf, size_t len, const char *fmt, ...) {
    size_t n = strlen(buf);
    va_list ap;
    if (n + 1 >= len) return;
    snprintf(buf + n, len - n, "%s", n ? ", " : "FAILED: ");
    n = strlen(buf);
    va_start(ap, fmt);
    vsnprintf(buf + n, len - n, fmt, ap);
    va_end(ap);
}

/* "ok: zero loss" or the reasons the run failed. */
static void describe_verdict(char *buf, size_t len, const bench_config *cfg,
                             const bench_result *res) {
    buf[0] = '\0';
    if (bench_result_clean(res)) {
        snprintf(buf, len, "ok: zero loss");
        return;
    }
    if (res->lost)
        add_reason(buf, len, "%llu lost", (unsigned long long)res->lost);
    if (res->duplicates)
        add_reason(buf, len, "%llu duplicated", (unsigned long long)res->duplicates);
    if (res->out_of_order)
        add_reason(buf, len, "%llu out of order", (unsigned long long)res->out_of_order);
    if (res->disconnected)
        add_reason(buf, len, "%d disconnected", res->disconnected);
    if (res->timed_out)
        add_reason(buf, len, "stopped at the %g s limit", cfg->duration_limit_s);
}

void report_human(FILE *out, const bench_config *cfg, const bench_result *res) {
    char load[64], verdict[256];
    bool v6 = strchr(cfg->host, ':') != NULL;
    describe_load(load, sizeof load, cfg);
    describe_verdict(verdict, sizeof verdict, cfg, res);
    fprintf(out, "natter-bench: %d clients on %s%s%s:%s, %d sending %lu messages (%s, %lu-byte text)\n",
            cfg->clients, v6 ? "[" : "", cfg->host, v6 ? "]" : "", cfg->port,
            cfg->senders, (unsigned long)cfg->messages, load,
            (unsigned long)cfg->size);
    fprintf(out, "connect       %d/%d clients, %.1f ms in connect() (avg %.3f ms, max %.3f ms); settled in %.0f ms\n",
            res->clients_connected, cfg->clients, res->connect_total_ms,
            res->clients_connected ? res->connect_total_ms / res->clients_connected : 0.0,
            res->connect_max_ms, res->settle_ms);
    if (cfg->tls && res->clients_connected)
        fprintf(out, "tls           %d handshakes, %.1f ms in all (avg %.3f ms, max %.3f ms): %.0f/s one after another\n",
                res->clients_connected, res->handshake_total_ms,
                res->handshake_total_ms / res->clients_connected, res->handshake_max_ms,
                res->handshake_total_ms > 0 ? 1000.0 * res->clients_connected / res->handshake_total_ms : 0.0);
    fprintf(out, "sent          %llu messages (mean %.1f bytes of text)\n",
            (unsigned long long)res->sent, res->mean_line_bytes);
    fprintf(out, "deliveries    %llu of %llu (lost %llu, duplicated %llu, out of order %llu); echoes %llu\n",
            (unsigned long long)res->delivered, (unsigned long long)res->expected,
            (unsigned long long)res->lost, (unsigned long long)res->duplicates,
            (unsigned long long)res->out_of_order, (unsigned long long)res->echoes);
    fprintf(out, "throughput    %.0f deliveries/s over %.3f s\n",
            res->deliveries_per_s, res->run_s);
    fprintf(out, "latency       p50 %.3f ms, p90 %.3f ms, p99 %.3f ms, max %.3f ms\n",
            ms(res->latency_p50_us), ms(res->latency_p90_us),
            ms(res->latency_p99_us), ms(res->latency_max_us));
    if (cfg->server_pid > 0 && res->server_cpu_s < 0)
        fprintf(out, "server cpu    unknown (cannot read /proc/%ld/stat)\n", cfg->server_pid);
    else if (cfg->server_pid > 0)
        fprintf(out, "server cpu    %.3f s over the run: %.4f ms per 1k deliveries\n",
                res->server_cpu_s,
                res->delivered ? 1e6 * res->server_cpu_s / (double)res->delivered : 0.0);
    fprintf(out, "disconnected  %d\n", res->disconnected);
    fprintf(out, "result        %s\n", verdict);
}

/* Strings we print come from the command line: escape what JSON needs. */
static void json_string(FILE *out, const char *s) {
    fputc('"', out);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(out, "\\%c", c);
        else if (c < 0x20)
            fprintf(out, "\\u%04x", c);
        else
            fputc(c, out);
    }
    fputc('"', out);
}

void report_json(FILE *out, const bench_config *cfg, const bench_result *res) {
    fputs("{\"host\":", out);
    json_string(out, cfg->host);
    fputs(",\"port\":", out);
    json_string(out, cfg->port);
    fprintf(out, ",\"clients\":%d,\"senders\":%d,\"messages\":%lu",
            cfg->clients, cfg->senders, (unsigned long)cfg->messages);
    if (cfg->rate > 0)
        fprintf(out, ",\"mode\":\"rate\",\"rate\":%g", cfg->rate);
    else
        fprintf(out, ",\"mode\":\"window\",\"window\":%d", cfg->window);
    fprintf(out, ",\"size\":%lu,\"clients_connected\":%d", (unsigned long)cfg->size,
            res->clients_connected);
    fprintf(out, ",\"connect_total_ms\":%.3f,\"connect_avg_ms\":%.3f,\"connect_max_ms\":%.3f,\"connect_wall_ms\":%.3f,\"settle_ms\":%.1f",
            res->connect_total_ms,
            res->clients_connected ? res->connect_total_ms / res->clients_connected : 0.0,
            res->connect_max_ms, res->connect_wall_ms, res->settle_ms);
    if (cfg->tls)
        fprintf(out, ",\"tls\":true,\"handshake_total_ms\":%.3f,\"handshake_max_ms\":%.3f",
                res->handshake_total_ms, res->handshake_max_ms);
    fprintf(out, ",\"sent\":%llu,\"mean_text_bytes\":%.1f,\"expected\":%llu,\"delivered\":%llu,\"lost\":%llu,\"duplicates\":%llu,\"out_of_order\":%llu,\"echoes\":%llu,\"invalid\":%llu",
            (unsigned long long)res->sent, res->mean_line_bytes,
            (unsigned long long)res->expected, (unsigned long long)res->delivered,
            (unsigned long long)res->lost, (unsigned long long)res->duplicates,
            (unsigned long long)res->out_of_order, (unsigned long long)res->echoes,
            (unsigned long long)res->invalid);
    fprintf(out, ",\"disconnected\":%d,\"timed_out\":%s,\"run_s\":%.6f,\"deliveries_per_s\":%.1f",
            res->disconnected, res->timed_out ? "true" : "false", res->run_s,
            res->deliveries_per_s);
    fprintf(out, ",\"latency_us\":{\"min\":%llu,\"mean\":%.1f,\"p50\":%llu,\"p90\":%llu,\"p99\":%llu,\"max\":%llu}",
            (unsigned long long)res->latency_min_us, res->latency_mean_us,
            (unsigned long long)res->latency_p50_us, (unsigned long long)res->latency_p90_us,
            (unsigned long long)res->latency_p99_us, (unsigned long long)res->latency_max_us);
    if (cfg->server_pid > 0)
        fprintf(out, ",\"server_cpu_s\":%.3f", res->server_cpu_s);
    fprintf(out, ",\"elapsed_s\":%.3f,\"ok\":%s}\n", res->elapsed_s,
            bench_result_clean(res) ? "true" : "false");
}
