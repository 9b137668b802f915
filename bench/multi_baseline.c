/* SPDX-License-Identifier: MIT */
/*
 * The reference point for the throughput benchmark: the plainest libcurl
 * multi loop (one easy handle per connection slot, removed and re-added
 * for every request, curl_multi_poll), with nothing of scrape in it.
 * What scrape's event strategy costs above this is scrape's own overhead.
 *
 *   cc -O2 -o multi_baseline bench/multi_baseline.c $(pkg-config --cflags --libs libcurl)
 *   ./multi_baseline URL REQUESTS CONNECTIONS
 */
#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

static size_t discard(char *data, size_t size, size_t count, void *user)
{
	(void)data, (void)user;
	return size * count;
}

int main(int argc, char **argv)
{
	long total, conns, started = 0, done = 0, i;
	CURLM *multi;
	CURL **handles;

	if (argc != 4) {
		fprintf(stderr, "usage: multi_baseline URL REQUESTS CONNECTIONS\n");
		return 2;
	}
	total = atol(argv[2]);
	conns = atol(argv[3]);
	signal(SIGPIPE, SIG_IGN);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	multi = curl_multi_init();
	handles = calloc((size_t)conns, sizeof *handles);
	for (i = 0; i < conns && started < total; i++, started++) {
		handles[i] = curl_easy_init();
		curl_easy_setopt(handles[i], CURLOPT_URL, argv[1]);
		curl_easy_setopt(handles[i], CURLOPT_WRITEFUNCTION, discard);
		curl_easy_setopt(handles[i], CURLOPT_NOSIGNAL, 1L);
		curl_multi_add_handle(multi, handles[i]);
	}
	while (done < total) {
		int running, left;
		CURLMsg *msg;

		curl_multi_perform(multi, &running);
		while ((msg = curl_multi_info_read(multi, &left)) != NULL) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			done++;
			curl_multi_remove_handle(multi, msg->easy_handle);
			if (started < total) {
				started++;
				curl_multi_add_handle(multi, msg->easy_handle);
			}
		}
		if (done < total)
			curl_multi_poll(multi, NULL, 0, 1000, NULL);
	}
	printf("%ld requests\n", done);
	for (i = 0; i < conns; i++)
		if (handles[i])
			curl_easy_cleanup(handles[i]);
	free(handles);
	curl_multi_cleanup(multi);
	curl_global_cleanup();
	return 0;
}
