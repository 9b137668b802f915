#!/bin/sh
# SPDX-License-Identifier: MIT
# TLS, HTTP/2 and connection reuse against a real server: a private nginx on
# 127.0.0.1 (its own prefix, configuration, pid and logs under the scratch
# directory), with a CA, a server certificate and client certificates made
# here by the openssl command.  What the server saw is read from its access
# log, which records the protocol ($server_protocol), the connection
# ($connection, $connection_requests), whether the TLS session was resumed
# ($ssl_session_reused) and the client certificate check
# ($ssl_client_verify) of every request.  The lean strategy, with its own
# TLS, must give the same records as event on the same jobs.  Missing
# nginx or openssl is a failure, not a skip: ./dev deps installs both.
. "$TOP_SRCDIR/tests/lib.sh"

use_nginx
if ! command -v openssl >/dev/null 2>&1; then
	echo "Bail out! the openssl command is not installed (./dev deps installs it)"
	exit 1
fi

PKI=$SCRATCH/pki
NG=$SCRATCH/nginx
mkdir -p "$PKI" "$NG/tmp" "$SCRATCH/jobs"

# ---- certificates: a CA, a server certificate for 127.0.0.1 and localhost,
# a client certificate from the same CA, and one from a CA nginx does not know

ossl() {
	if ! (cd "$PKI" && openssl "$@") >>"$PKI/openssl.log" 2>&1; then
		echo "Bail out! openssl $1 failed: $(tail -n 3 "$PKI/openssl.log" | tr '\n' ' ')"
		exit 1
	fi
}
EC="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
# shellcheck disable=SC2086
ossl req -x509 $EC -keyout ca.key -out ca.pem -days 2 -subj "/CN=scrape test CA" \
	-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
# shellcheck disable=SC2086
ossl req -x509 $EC -keyout rogue-ca.key -out rogue-ca.pem -days 2 -subj "/CN=scrape rogue CA" \
	-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"

# issue NAME CN USAGE SERIAL CA [SAN]: NAME.pem and NAME.key signed by CA
issue() {
	# shellcheck disable=SC2086
	ossl req $EC -keyout "$1.key" -out "$1.csr" -subj "/CN=$2"
	printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
		"extendedKeyUsage=$3" >"$PKI/$1.ext"
	[ -z "${6:-}" ] || printf 'subjectAltName=%s\n' "$6" >>"$PKI/$1.ext"
	ossl x509 -req -in "$1.csr" -CA "$5.pem" -CAkey "$5.key" -set_serial "$4" -days 2 \
		-extfile "$1.ext" -out "$1.pem"
}
issue server localhost serverAuth 1001 ca "IP:127.0.0.1,DNS:localhost"
issue client "scrape test client" clientAuth 1002 ca
issue rogue "scrape rogue client" clientAuth 1003 rogue-ca
cat "$PKI/client.pem" "$PKI/client.key" >"$PKI/client-both.pem"

# ---- nginx: four servers on free ports
#   TLS   https, HTTP/2 offered by ALPN
#   MTLS  https that requires a client certificate from the CA
#   PLAIN http/1.1
#   H2C   plain-text HTTP/2 only (prior knowledge)

set -- $(python3 -c 'import socket
socks = [socket.socket() for _ in range(4)]
for s in socks: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))')
P_TLS=$1 P_MTLS=$2 P_PLAIN=$3 P_H2C=$4
TLS=https://127.0.0.1:$P_TLS
MTLS=https://127.0.0.1:$P_MTLS
PLAIN=http://127.0.0.1:$P_PLAIN
H2C=http://127.0.0.1:$P_H2C

cat >"$NG/nginx.conf" <<EOF
$(nginx_config_head "$NG")
http {
	log_format probe '\$request_uri \$server_protocol \$connection \$connection_requests \$status \$ssl_session_reused \$ssl_client_verify';
	access_log $NG/access.log probe;
	log_format pipe '\$request_uri \$connection \$pipe \$request_method \$bytes_sent';
$(nginx_temp_paths "$NG")
	default_type text/plain;
	keepalive_timeout 60s;
	keepalive_requests 1000;
	ssl_certificate $PKI/server.pem;
	ssl_certificate_key $PKI/server.key;
	ssl_session_cache shared:scrape_tls:1m;
	server {
		listen 127.0.0.1:$P_TLS ssl http2;
		location / { return 200 "tls\n"; }
		location /g/big { alias $NG/big.bin; }
		location /g/pipe { return 200 "tls\n"; access_log $NG/pipe.log pipe; }
	}
	server {
		listen 127.0.0.1:$P_MTLS ssl;
		ssl_client_certificate $PKI/ca.pem;
		ssl_verify_client on;
		location / { return 200 "mtls\n"; }
	}
	server {
		listen 127.0.0.1:$P_PLAIN;
		location / { return 200 "plain\n"; }
	}
	server {
		listen 127.0.0.1:$P_H2C http2;
		location / { return 200 "h2c\n"; }
	}
}
EOF

# 300 kB over TLS: many records, read in many pieces
head -c 300000 /dev/zero | tr '\0' 'x' >"$NG/big.bin"
start_nginx "$NG" "$PLAIN/ready"

cd "$SCRATCH" || exit 1

# scrape NAME ARG...: runs scrape (bounded in time) with records in NAME.jsonl;
# sets RC
scrape() {
	name=$1
	shift
	rm -f "$name.jsonl"
	timeout 60 "$SCRAPE" -q --set timeout=10s --set connect_timeout=5s -o "$name.jsonl" "$@" \
		>"$name.out" 2>"$name.err"
	RC=$?
}
# field NAME KEY: the distinct values of KEY over NAME.jsonl, space-separated
field() {
	python3 -c 'import json, sys
vals = set()
for line in open(sys.argv[1]):
    v = json.loads(line).get(sys.argv[2])
    vals.add("null" if v is None else str(v))
print(" ".join(sorted(vals)))' "$1.jsonl" "$2" 2>/dev/null
}
# result NAME: "exit|error|status|records" of a run
result() {
	printf '%s|%s|%s|%s' "$RC" "$(field "$1" error)" "$(field "$1" status)" \
		"$(wc -l <"$1.jsonl" 2>/dev/null | tr -d ' ')"
}
# seen PATH COLUMN: the distinct values of an access log column (2 protocol,
# 3 connection, 4 requests on it, 5 status, 6 "r" for a resumed TLS session,
# 7 the client certificate check, which runs to the end of the line) for the
# requests whose URI starts with PATH
seen() {
	awk -v p="$1" -v f="$2" 'index($1, p) == 1 {
		s = $f
		if (f == 7)
			for (i = 8; i <= NF; i++)
				s = s " " $i
		print s
	}' "$NG/access.log" | sort -u |
		tr '\n' ' ' | sed 's/ $//'
}
# hits PATH: how many requests for PATH (a prefix) the server logged
hits() {
	awk -v p="$1" 'index($1, p) == 1' "$NG/access.log" | wc -l | tr -d ' '
}

# ---- (a) verification: ca_file, the system's CAs, insecure

scrape a-ca --set "ca_file=$PKI/ca.pem" "$TLS/a/ca"
is "$(result a-ca)" "0|null|200|1" "https with ca_file: verified, 200, exit 0"
is "$(hits /a/ca)" 1 "and the server saw it"

scrape a-none "$TLS/a/none"
is "$(result a-none)" "1|tls|0|1" "https without ca_file: the reason is tls, exit 1"
is "$(hits /a/none)" 0 "and no request reached the server"

scrape a-other --set "ca_file=$PKI/rogue-ca.pem" "$TLS/a/other"
is "$(result a-other)" "1|tls|0|1" "ca_file of another CA: tls"

scrape a-name --set "ca_file=$PKI/ca.pem" --set "resolve=[wrong.test:$P_TLS:127.0.0.1]" \
	"https://wrong.test:$P_TLS/a/name"
is "$(result a-name)" "1|tls|0|1" "ca_file, but a host name the certificate does not name: tls"

scrape a-insecure --set insecure=true "$TLS/a/insecure"
is "$(result a-insecure)" "0|null|200|1" "insecure: true succeeds without ca_file"
like "$(cat a-insecure.err)" "insecure: true turns off TLS certificate checks" "and warns"

# ---- (b) HTTP/2 by ALPN over TLS, HTTP/1.1 otherwise; (f) under three strategies

for strategy in sequential threaded event; do
	scrape "b-h2-$strategy" -s "$strategy" -w 3 -n 6 --set "ca_file=$PKI/ca.pem" --set http2=true \
		"$TLS/b/h2-$strategy"
	is "$(result "b-h2-$strategy")" "0|null|200|6" "$strategy, http2: true over https: 6 ok"
	is "$(seen "/b/h2-$strategy" 2)" "HTTP/2.0" "$strategy, http2: true over https: the server spoke HTTP/2"
	scrape "b-h1-$strategy" -s "$strategy" -w 3 -n 6 --set "ca_file=$PKI/ca.pem" --set http2=false \
		"$TLS/b/h1-$strategy"
	is "$(result "b-h1-$strategy")" "0|null|200|6" "$strategy, http2: false over https: 6 ok"
	is "$(seen "/b/h1-$strategy" 2)" "HTTP/1.1" "$strategy, http2: false over https: HTTP/1.1"
done
scrape b-default --set "ca_file=$PKI/ca.pem" "$TLS/b/default"
is "$(seen /b/default 2)" "HTTP/1.1" "without http2, HTTP/1.1 (the default)"
scrape b-plain --set http2=true "$PLAIN/b/plain"
is "$(result b-plain)|$(seen /b/plain 2)" "0|null|200|1|HTTP/1.1" "http2: true on http:// stays HTTP/1.1"

# ---- (c) h2c: HTTP/2 with prior knowledge on a plain-text port

scrape c-h2c --set http2=prior_knowledge -n 3 "$H2C/c/h2c"
is "$(result c-h2c)" "0|null|200|3" "http2: prior_knowledge on the h2c port: 3 ok"
is "$(seen /c/h2c 2)" "HTTP/2.0" "and the server spoke HTTP/2 without TLS"
scrape c-h2c-event -s event -w 2 --set http2=prior_knowledge -n 4 "$H2C/c/event"
is "$(result c-h2c-event)|$(seen /c/event 2)" "0|null|200|4|HTTP/2.0" "prior_knowledge under event: HTTP/2"

# ---- (d) mutual TLS, from a job file in its own directory run from
# elsewhere: the certificate paths are relative to the job file

cat >jobs/mtls.yaml <<EOF
urls: [$MTLS/d/cert]
ca_file: ../pki/ca.pem
client_cert: ../pki/client.pem
client_key: ../pki/client.key
EOF
cat >jobs/nocert.yaml <<EOF
urls: [$MTLS/d/nocert]
ca_file: ../pki/ca.pem
EOF
(cd / && timeout 60 "$SCRAPE" -q -c "$SCRATCH/jobs/nocert.yaml" -o "$SCRATCH/d-without.jsonl" \
	>"$SCRATCH/d-without.out" 2>&1)
RC=$?
is "$(result d-without)" "1|http 400|400|1" "no client certificate: nginx refuses (400), exit 1"
is "$(seen /d/nocert 7)" "NONE" "the server saw no certificate"
(cd / && timeout 60 "$SCRAPE" -q -c "$SCRATCH/jobs/mtls.yaml" -o "$SCRATCH/d-with.jsonl" \
	>"$SCRATCH/d-with.out" 2>&1)
RC=$?
is "$(result d-with)" "0|null|200|1" "client_cert and client_key: accepted, 200"
is "$(seen /d/cert 7)" "SUCCESS" "the server verified the client certificate"
scrape d-both --set "ca_file=$PKI/ca.pem" --set "client_cert=$PKI/client-both.pem" "$MTLS/d/both"
is "$(result d-both)|$(seen /d/both 7)" "0|null|200|1|SUCCESS" "client_cert holding the key too"
scrape d-rogue --set "ca_file=$PKI/ca.pem" --set "client_cert=$PKI/rogue.pem" \
	--set "client_key=$PKI/rogue.key" "$MTLS/d/rogue"
is "$(result d-rogue)" "1|http 400|400|1" "a client certificate from another CA: refused"
like "$(seen /d/rogue 7)" "FAILED:" "the server saw it fail verification"
scrape d-mismatch --set "ca_file=$PKI/ca.pem" --set "client_cert=$PKI/client.pem" \
	--set "client_key=$PKI/rogue.key" "$MTLS/d/mismatch"
is "$(result d-mismatch)" "1|tls|0|1" "a key that does not belong to the certificate: tls"

# job errors found at load, before any request
scrape d-err --dry-run --set "client_key=$PKI/client.key" "$MTLS/d/err"
is "$RC|$(cat d-err.err)" \
	"2|--set client_key:1:1: \"client_key\" needs \"client_cert\", the certificate the key belongs to" \
	"client_key without client_cert is a job error"
scrape d-err --dry-run --set "ca_file=$PKI/missing.pem" "$MTLS/d/err"
is "$RC|$(cat d-err.err)" "2|--set ca_file:1:1: cannot read ca_file \"$PKI/missing.pem\": No such file or directory" \
	"a missing ca_file is a job error"
scrape d-err --dry-run --set "client_cert=$PKI/client.csr" --set "client_key=$PKI/openssl.log" "$MTLS/d/err"
is "$RC|$(cat d-err.err)" "2|--set client_key:1:1: client_key \"$PKI/openssl.log\" is not a PEM file (it has no \"-----BEGIN\" line)" \
	"a client_key that is not PEM is a job error"
ossl pkey -in client.key -aes-256-cbc -passout pass:secret -out client-encrypted.key
scrape d-err --dry-run --set "client_cert=$PKI/client.pem" --set "client_key=$PKI/client-encrypted.key" "$MTLS/d/err"
like "$RC|$(cat d-err.err)" "2|--set client_key:1:1: client_key \"$PKI/client-encrypted.key\" holds an encrypted private key" \
	"an encrypted client_key is a job error (no passphrase prompt)"
"$SCRAPE" --dry-run -c jobs/mtls.yaml >d-dry.out 2>&1
like "$(cat d-dry.out)" "client_cert: jobs/../pki/client.pem" "--dry-run prints client_cert resolved from the job's directory"
like "$(cat d-dry.out)" "http2: false" "--dry-run prints http2"

# ---- (e) connection reuse

scrape e-default -n 5 "$PLAIN/e/default"
is "$(result e-default)" "0|null|200|5" "default keepalive: 5 ok"
is "$(seen /e/default 3 | wc -w | tr -d ' ')|$(seen /e/default 4 | tr ' ' ,)" "1|1,2,3,4,5" \
	"default: all 5 requests on one connection"
scrape e-off -n 5 --set keepalive=false "$PLAIN/e/off"
is "$(result e-off)" "0|null|200|5" "keepalive: false: 5 ok"
is "$(seen /e/off 3 | wc -w | tr -d ' ')|$(seen /e/off 4)" "5|1" \
	"keepalive: false: a connection for each request, one request each"
scrape e-off-h2 -n 4 --set keepalive=false --set http2=true --set "ca_file=$PKI/ca.pem" "$TLS/e/h2"
is "$(seen /e/h2 2)|$(seen /e/h2 3 | wc -w | tr -d ' ')|$(seen /e/h2 4)" "HTTP/2.0|4|1" \
	"keepalive: false over HTTP/2: a TLS connection for each request"
scrape e-threaded -s threaded -w 2 -n 8 "$PLAIN/e/threaded"
check "threaded reuses connections too (fewer than 8)" test "$(seen /e/threaded 3 | wc -w)" -lt 8
scrape e-threaded-off -s threaded -w 2 -n 8 --set keepalive=false "$PLAIN/e/thr-off"
is "$(seen /e/thr-off 3 | wc -w | tr -d ' ')" 8 "threaded, keepalive: false: 8 connections"

# The age limits, two runs at a time.  libcurl counts whole seconds and
# closes a connection when its age is over the limit: at one request a
# second, a connection is never idle for over 1s but is over 1s old by the
# third request.
scrape e-idle-1s -n 4 -r 1/s --set connection_max_idle=1s "$PLAIN/e/idle-busy" &
p1=$!
scrape e-age -n 4 -r 1/s --set connection_max_age=1s "$PLAIN/e/age" &
p2=$!
wait $p1 $p2
is "$(seen /e/idle-busy 3 | wc -w | tr -d ' ')" 1 "connection_max_idle: 1s at 1 request/s: one connection"
is "$(seen /e/age 3 | wc -w | tr -d ' ')" 2 "connection_max_age: 1s at 1 request/s: a new connection after 2s"
scrape e-idle -n 2 -r 24/m --set connection_max_idle=1s "$PLAIN/e/idle-slow" &
p1=$!
scrape e-idle-control -n 2 -r 24/m "$PLAIN/e/idle-control" &
p2=$!
wait $p1 $p2
is "$(seen /e/idle-slow 3 | wc -w | tr -d ' ')" 2 "connection_max_idle: 1s with 2.5s between requests: two connections"
is "$(seen /e/idle-control 3 | wc -w | tr -d ' ')" 1 "without it, the same two requests share one"
"$SCRAPE" --dry-run --set connection_max_age=2m --set connection_max_idle=30s --set keepalive=false \
	"$PLAIN/" >e-dry.out 2>&1
like "$(cat e-dry.out)" "keepalive: false
connection_max_age: 2m
connection_max_idle: 30s" "--dry-run prints the connection keys"

# ---- (g) the lean strategy's own TLS: the same records as event's for the
# same jobs, keep-alive and session resumption, its TLS timing

# records NAME: NAME.jsonl's records as sorted "status error bytes" lines
records() {
	python3 -c 'import json, sys
print(sorted((r.get("status"), r.get("error"), r.get("bytes")) for r in map(json.loads, open(sys.argv[1]))))' \
		"$1.jsonl" 2>/dev/null
}
# both NAME DESCRIPTION ARG...: the job under event and under lean, whose
# exit status and records must be event's
both() {
	both_name=$1 both_what=$2
	shift 2
	scrape "$both_name-event" -s event "$@"
	both_want="$RC|$(records "$both_name-event")"
	scrape "$both_name-lean" -s lean "$@"
	is "$RC|$(records "$both_name-lean")" "$both_want" "lean as event: $both_what"
}

both g-ca "verified with ca_file" -w 2 -n 4 --set "ca_file=$PKI/ca.pem" "$TLS/g/ca"
is "$(result g-ca-lean)" "0|null|200|4" "lean: https with ca_file: 4 ok"
both g-none "no ca_file: the system's CAs refuse the test CA" "$TLS/g/none"
is "$(result g-none-lean)|$(hits /g/none)" "1|tls|0|1|0" "lean: tls, and no request reached the server"
like "$(cat g-none-lean.err)" "certificate verify failed" "and its warning says why"
both g-other "ca_file of another CA" --set "ca_file=$PKI/rogue-ca.pem" "$TLS/g/other"
is "$(result g-other-lean)" "1|tls|0|1" "lean: ca_file of another CA: tls"
both g-name "a host name the certificate does not name" --set "ca_file=$PKI/ca.pem" \
	--set "resolve=[wrong.test:$P_TLS:127.0.0.1]" "https://wrong.test:$P_TLS/g/name"
is "$(result g-name-lean)" "1|tls|0|1" "lean: wrong host name: tls"
both g-badca "a ca_file that holds no certificate" --set "ca_file=$PKI/ca.key" "$TLS/g/badca"
is "$(result g-badca-lean)" "1|tls|0|1" "lean: a ca_file OpenSSL cannot use: tls"
like "$(cat g-badca-lean.err)" "lean: cannot use ca_file \"$PKI/ca.key\": " "and it says so once"
both g-localhost "a host name the certificate names (SNI)" --set "ca_file=$PKI/ca.pem" \
	--set "resolve=[localhost:$P_TLS:127.0.0.1]" "https://localhost:$P_TLS/g/localhost"
is "$(result g-localhost-lean)" "0|null|200|1" "lean: localhost, named by the certificate: ok"
both g-plain "https to a plain-text port" --set "ca_file=$PKI/ca.pem" "https://127.0.0.1:$P_PLAIN/g/plain"
is "$(result g-plain-lean)" "1|tls|0|1" "lean: https to a plain-text port: tls"
# a server that takes the connection and never answers the handshake
python3 -c 'import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(16)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
time.sleep(60)' stall.port >/dev/null 2>&1 &
STALL_PID=$!
i=0
while [ ! -s stall.port ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
both g-stall "a handshake that never ends: connect_timeout" --set connect_timeout=1s --set retries=0 \
	"https://127.0.0.1:$(cat stall.port)/g/stall"
is "$(result g-stall-lean)" "1|timeout|0|1" "lean: connect_timeout covers the handshake"
kill $STALL_PID 2>/dev/null
both g-insecure "insecure: true" --set insecure=true "$TLS/g/insecure"
is "$(result g-insecure-lean)" "0|null|200|1" "lean: insecure: true succeeds without ca_file"
both g-big "a 300 kB body" -n 2 --set "ca_file=$PKI/ca.pem" "$TLS/g/big"
is "$(result g-big-lean)" "0|null|200|2" "lean: a 300 kB body twice"
like "$(cat g-big-lean.jsonl)" '"bytes":300000,' "lean: all 300000 bytes of it"
head -c 200000 /dev/zero | tr '\0' 'y' >post.bin
both g-post "a 200 kB POST body" --set method=POST --set body_file="$SCRATCH/post.bin" \
	--set "ca_file=$PKI/ca.pem" "$TLS/g/post"
is "$(result g-post-lean)" "0|null|200|1" "lean: a 200 kB POST over TLS"

both g-mtls "client_cert and client_key" --set "ca_file=$PKI/ca.pem" \
	--set "client_cert=$PKI/client.pem" --set "client_key=$PKI/client.key" "$MTLS/g/mtls"
is "$(result g-mtls-lean)|$(seen /g/mtls 7)" "0|null|200|1|SUCCESS" "lean: the server verified the client certificate"
(cd / && timeout 60 "$SCRAPE" -q -s lean -c "$SCRATCH/jobs/mtls.yaml" -o "$SCRATCH/g-jobfile.jsonl" \
	>"$SCRATCH/g-jobfile.out" 2>&1)
RC=$?
is "$(result g-jobfile)" "0|null|200|1" "lean: the certificate paths of a job file, relative to it"
both g-nocert "no client certificate" --set "ca_file=$PKI/ca.pem" "$MTLS/g/nocert"
is "$(result g-nocert-lean)" "1|http 400|400|1" "lean: no client certificate: 400"
both g-both "client_cert holding the key too" --set "ca_file=$PKI/ca.pem" \
	--set "client_cert=$PKI/client-both.pem" "$MTLS/g/both"
is "$(result g-both-lean)" "0|null|200|1" "lean: client_cert holding the key: ok"
both g-rogue "a client certificate from another CA" --set "ca_file=$PKI/ca.pem" \
	--set "client_cert=$PKI/rogue.pem" --set "client_key=$PKI/rogue.key" "$MTLS/g/rogue"
both g-mismatch "a key that does not belong to the certificate" --set "ca_file=$PKI/ca.pem" \
	--set "client_cert=$PKI/client.pem" --set "client_key=$PKI/rogue.key" "$MTLS/g/mismatch"
is "$(result g-mismatch-lean)" "1|tls|0|1" "lean: a key not the certificate's: tls"

# keep-alive: one connection, one handshake, for all the requests of one place
scrape g-keep -s lean -w 1 -n 5 --report g-keep.json --set "ca_file=$PKI/ca.pem" "$TLS/g/keep"
is "$(result g-keep)" "0|null|200|5" "lean: 5 requests over one TLS connection"
is "$(seen /g/keep 3 | wc -w | tr -d ' ')|$(seen /g/keep 4 | tr ' ' ,)" "1|1,2,3,4,5" \
	"lean: the server saw them all on one connection"
is "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["connections_opened"])' g-keep.json)" 1 \
	"lean: connections_opened says 1"
is "$(python3 -c 'import json, sys
rs = [json.loads(l) for l in open(sys.argv[1])]
new = [r for r in rs if r["time_tls"] > 0]
print(len(new), all(0 < r["time_connect"] < r["time_tls"] <= r["time_total"] for r in new))' g-keep.jsonl)" \
	"1 True" "lean: the one handshake is timed, after the connect and within the request"
# without keep-alive: a connection each, the sessions after the first resumed
scrape g-resume-event -s event -w 1 -n 4 --set keepalive=false --set "ca_file=$PKI/ca.pem" "$TLS/g/rev"
scrape g-resume -s lean -w 1 -n 4 --set keepalive=false --set "ca_file=$PKI/ca.pem" "$TLS/g/resume"
is "$(result g-resume)|$(seen /g/resume 3 | wc -w | tr -d ' ')" "0|null|200|4|4" \
	"lean, keepalive: false: 4 requests, 4 TLS connections"
is "$(awk 'index($1, "/g/resume") == 1 { print $6 }' "$NG/access.log" | tr -d '\n')" ".rrr" \
	"lean: the first handshake is full, the next three resume its session"
is "$(awk 'index($1, "/g/rev") == 1 { print $6 }' "$NG/access.log" | tr -d '\n')" ".rrr" "event"
# pipelining over TLS, under each I/O layer: each answer its request's (nginx's
# \$pipe says "p" for a request that came behind another in one read)
for io in epoll uring; do
	scrape "g-pipe-$io" -s lean --set strategy.io=$io --set strategy.pipeline=8 -w 4 -n 60 \
		--set "ca_file=$PKI/ca.pem" "$TLS/g/pipe/$io"
	if grep -q "not available here" "g-pipe-$io.err"; then
		TAP_COUNT=$((TAP_COUNT + 1)); echo "ok $TAP_COUNT # skip $io: io_uring is not available here"
		continue
	fi
	is "$(result "g-pipe-$io")|$(field "g-pipe-$io" bytes)" "0|null|200|60|4" \
		"lean, $io, pipeline: 8 over TLS: 60 ok, each its 4 bytes"
	# whether nginx finds two requests in one read depends on timing (a
	# slow client, under ASan, sends each before the next is started), so
	# this is said, not asserted; lean.sh has a server that waits for them
	echo "# lean, $io: nginx saw $(awk -v p="/g/pipe/$io" '$1 == p && $3 == "p"' "$NG/pipe.log" | wc -l) \
of 60 requests pipelined"
	check "lean, $io: on no more connections than places" \
		test "$(awk -v p="/g/pipe/$io" '$1 == p { print $2 }' "$NG/pipe.log" | sort -u | wc -l)" -le 4
done
scrape g-pipe-big -s lean --set strategy.pipeline=4 -w 2 -n 8 --set "ca_file=$PKI/ca.pem" "$TLS/g/big"
is "$(result g-pipe-big)|$(field g-pipe-big bytes)" "0|null|200|8|300000" \
	"lean, pipeline: 4 over TLS: 300 kB bodies whole, one after another"

# two loops, each with its own TLS context and pools
scrape g-threads -s lean --set strategy.threads=2 -w 4 -n 40 --set "ca_file=$PKI/ca.pem" "$TLS/g/threads"
is "$(result g-threads)" "0|null|200|40" "lean, threads: 2 over TLS: 40 ok"
check "lean: one connection per place at most" test "$(seen /g/threads 3 | wc -w)" -le 4

done_testing
