/* SPDX-License-Identifier: MIT */
/*
 * Turning a fuzzer's byte string into what the code under test reads: a
 * response (a Content-Type line, a charset line, then the body) or a file
 * on disk.  Copies are made to their exact size, so a read one byte past
 * the end is an AddressSanitizer report rather than luck.
 */
#ifndef SCRAPE_FUZZ_HARNESS_H
#define SCRAPE_FUZZ_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include <scrape/plugin.h>

/* The page every fuzzed response comes from: relative links resolve
 * against it. */
#define FUZZ_PAGE_URL "http://example.com/dir/page.html?q=1"

struct fuzz_response {
	struct scrape_response resp;
	struct scrape_header header;
	char *content_type, *charset;
	unsigned char *body;
};

/*
 * Splits data as "CONTENT-TYPE\nCHARSET\nBODY": an empty first or second
 * line means none (NULL), a missing line too.  The body is NUL-terminated
 * as the core's are, but allocated to exactly body_len + 1 bytes.
 * -1 when out of memory.
 */
int fuzz_response(struct fuzz_response *r, const uint8_t *data, size_t size);
void fuzz_response_free(struct fuzz_response *r);

/* Writes data to NAME in a directory of its own (made once per process,
 * on /dev/shm when there is one, removed at exit) and returns the path,
 * valid until the next call; the directory holds nothing but these
 * files for a relative path in the data to reach.  Exits on failure: a
 * harness cannot go on without it. */
const char *fuzz_file(const char *name, const uint8_t *data, size_t size);

/* A NUL-terminated copy of data, of exactly size + 1 bytes. */
char *fuzz_string(const uint8_t *data, size_t size);

/* Prints "WHO: message" and aborts, which is how a harness reports a
 * broken invariant: libFuzzer then keeps the input as a crash. */
void fuzz_abort(const char *who, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 2, 3)));

/* Each harness defines CHECK(cond, ...) as FUZZ_CHECK with its name. */
#define FUZZ_CHECK(who, cond, ...)                 \
	do {                                       \
		if (!(cond))                       \
			fuzz_abort(who, __VA_ARGS__); \
	} while (0)

#endif
