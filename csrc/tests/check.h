/*
 * check.h -- the counting CHECK of the C tests (test_rows, test_memory,
 * test_threads): CHECK(cond, printf-format, ...) counts a check, and a
 * failure, printing where and why (the first CHECK_MAX_PRINTED failures;
 * the rest are only counted).  Each test prints the totals and returns
 * failures != 0.
 */
#ifndef PYACTX_TEST_CHECK_H
#define PYACTX_TEST_CHECK_H

#include <stdio.h>

#define CHECK_MAX_PRINTED 30

static long checks, failures;

#define CHECK(cond, ...)                                                       \
    do {                                                                       \
        checks++;                                                              \
        if (!(cond) && ++failures <= CHECK_MAX_PRINTED) {                      \
            printf("FAIL %s:%d: ", __FILE__, __LINE__);                        \
            printf(__VA_ARGS__);                                               \
            printf("\n");                                                      \
        }                                                                      \
    } while (0)

#endif /* PYACTX_TEST_CHECK_H */
