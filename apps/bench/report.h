/* report.h - natter-bench's output: a short human-readable summary, or one
 * JSON object for scripts (docs/performance.md's table is built from it). */
#ifndef NATTER_BENCH_REPORT_H
#define NATTER_BENCH_REPORT_H

#include <stdio.h>

#include "bench.h"

void report_human(FILE *out, const bench_config *cfg, const bench_result *res);
void report_json(FILE *out, const bench_config *cfg, const bench_result *res);

#endif
