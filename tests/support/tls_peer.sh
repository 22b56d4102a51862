#!/bin/sh
# tls_peer.sh start|stop DIR - the TLS servers the client tests talk to, as a
# CTest fixture. Runs on the build host (also for the mingw build, whose test
# .exe under wine reaches them over loopback).
#
# Why openssl s_server: the client backends (OpenSSL, Schannel) must be
# checked against a server that is not natter's own TLS code, and s_server
# -rev echoes every line reversed, which makes a round trip easy to check.
#
# start: makes a throwaway CA, a server certificate it signs (CN and SAN
# localhost, IP SAN 127.0.0.1), a second unrelated CA and a self-signed
# certificate, all in DIR; starts three servers on ports the OS picks:
#   CA_PORT    the CA-signed certificate, TLS 1.2 and 1.3
#   CA12_PORT  the same certificate, TLS 1.2 only
#   SELF_PORT  the self-signed certificate
#   EXPIRED_PORT  a CA-signed certificate that expired yesterday
#   CHAIN_PORT a certificate signed by an intermediate CA the CA signed,
#              sent with the intermediate (as Let's Encrypt's fullchain)
#   BULK_PORT  the CA-signed one again, for the test that moves the most
#              bytes (s_server serves one connection at a time)
# and writes the ports and file paths to DIR/tls_peer.env (KEY=VALUE lines).
# stop: kills the servers. A missing openssl fails the fixture: CI installs
# it, and the client tests must never be skipped silently.
set -u
mode=${1:-}
dir=${2:-}
if [ -z "$mode" ] || [ -z "$dir" ]; then
  echo "usage: tls_peer.sh start|stop DIR" >&2
  exit 2
fi
# The tests open the files by the paths in tls_peer.env, from elsewhere.
case $dir in
  /*) ;;
  *) dir=$PWD/$dir ;;
esac

stop_servers() {
  for pidfile in "$dir"/*.pid; do
    [ -f "$pidfile" ] || continue
    kill "$(cat "$pidfile")" 2>/dev/null
    rm -f "$pidfile"
  done
}

if [ "$mode" = stop ]; then
  stop_servers
  exit 0
fi
if [ "$mode" != start ]; then
  echo "tls_peer.sh: unknown mode $mode" >&2
  exit 2
fi

if ! command -v openssl >/dev/null 2>&1; then
  echo "tls_peer.sh: the openssl command is not installed (Debian: apt-get install openssl); the TLS client tests need it" >&2
  exit 1
fi

mkdir -p "$dir" || exit 1
stop_servers # left over from a run whose cleanup did not happen
rm -f "$dir/tls_peer.env"

fail() {
  echo "tls_peer.sh: $*" >&2
  stop_servers
  exit 1
}

# Quiet openssl calls; their output is shown only when one fails.
run() {
  if ! "$@" >"$dir/openssl.log" 2>&1; then
    cat "$dir/openssl.log" >&2
    fail "failed: $*"
  fi
}

cat >"$dir/ca.ext" <<EOF
basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
EOF
cat >"$dir/server.ext" <<EOF
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1
authorityKeyIdentifier=keyid
subjectKeyIdentifier=hash
EOF
cat >"$dir/intermediate.ext" <<EOF
basicConstraints=critical,CA:TRUE,pathlen:0
keyUsage=critical,keyCertSign,cRLSign
authorityKeyIdentifier=keyid
subjectKeyIdentifier=hash
EOF
cat >"$dir/self.ext" <<EOF
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1
EOF

# A CA: key and self-signed certificate, valid for a day.
make_ca() {
  run openssl req -new -newkey rsa:2048 -nodes -keyout "$dir/$1.key" -out "$dir/$1.csr" \
    -subj "/CN=$2"
  run openssl x509 -req -in "$dir/$1.csr" -signkey "$dir/$1.key" -days 1 -sha256 \
    -extfile "$dir/ca.ext" -out "$dir/$1.pem"
}
make_ca ca "natter test CA"
make_ca other_ca "natter unrelated test CA"

run openssl req -new -newkey rsa:2048 -nodes -keyout "$dir/server.key" -out "$dir/server.csr" \
  -subj "/CN=localhost"
run openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" \
  -CAcreateserial -days 1 -sha256 -extfile "$dir/server.ext" -out "$dir/server.pem"

run openssl req -new -newkey rsa:2048 -nodes -keyout "$dir/intermediate.key" \
  -out "$dir/intermediate.csr" -subj "/CN=natter test intermediate CA"
run openssl x509 -req -in "$dir/intermediate.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" \
  -CAcreateserial -days 1 -sha256 -extfile "$dir/intermediate.ext" -out "$dir/intermediate.pem"
run openssl req -new -newkey rsa:2048 -nodes -keyout "$dir/leaf.key" -out "$dir/leaf.csr" \
  -subj "/CN=localhost"
run openssl x509 -req -in "$dir/leaf.csr" -CA "$dir/intermediate.pem" \
  -CAkey "$dir/intermediate.key" -CAcreateserial -days 1 -sha256 -extfile "$dir/server.ext" \
  -out "$dir/leaf.pem"

# Both CAs in one file: the one that signed the servers second.
cat "$dir/other_ca.pem" "$dir/ca.pem" >"$dir/both_ca.pem" || fail "cannot write both_ca.pem"

# Valid from now until a day ago: expired, for OpenSSL and Windows alike.
run openssl req -new -newkey rsa:2048 -nodes -keyout "$dir/expired.key" -out "$dir/expired.csr" \
  -subj "/CN=localhost"
run openssl x509 -req -in "$dir/expired.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" \
  -CAcreateserial -days -1 -sha256 -extfile "$dir/server.ext" -out "$dir/expired.pem"

run openssl req -new -newkey rsa:2048 -nodes -keyout "$dir/self.key" -out "$dir/self.csr" \
  -subj "/CN=localhost"
run openssl x509 -req -in "$dir/self.csr" -signkey "$dir/self.key" -days 1 -sha256 \
  -extfile "$dir/self.ext" -out "$dir/self.pem"

# Start one s_server (name, certificate base name, extra options) and echo
# the port it bound once it says so ("ACCEPT 127.0.0.1:PORT"), within 10 s.
# Every stream is redirected: a server holding CTest's pipes hangs CTest.
start_server() {
  name=$1
  cert=$2
  shift 2
  log="$dir/$name.log"
  : >"$log"
  openssl s_server -accept 127.0.0.1:0 -cert "$dir/$cert.pem" -key "$dir/$cert.key" -rev \
    "$@" </dev/null >"$log" 2>&1 &
  echo $! >"$dir/$name.pid"
  tries=0
  while [ $tries -lt 100 ]; do
    port=$(sed -n 's/^ACCEPT 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$log")
    if [ -n "$port" ]; then
      echo "$port"
      return 0
    fi
    if ! kill -0 "$(cat "$dir/$name.pid")" 2>/dev/null; then
      cat "$log" >&2
      return 1
    fi
    sleep 0.1
    tries=$((tries + 1))
  done
  cat "$log" >&2
  return 1
}

ca_port=$(start_server ca server) || fail "openssl s_server (CA-signed) did not start"
ca12_port=$(start_server ca12 server -no_tls1_3) || fail "openssl s_server (TLS 1.2) did not start"
self_port=$(start_server self self) || fail "openssl s_server (self-signed) did not start"
expired_port=$(start_server expired expired) || fail "openssl s_server (expired) did not start"
chain_port=$(start_server chain leaf -cert_chain "$dir/intermediate.pem") ||
  fail "openssl s_server (chain) did not start"
bulk_port=$(start_server bulk server) || fail "openssl s_server (bulk) did not start"

cat >"$dir/tls_peer.env.tmp" <<EOF
CA_PORT=$ca_port
CA12_PORT=$ca12_port
SELF_PORT=$self_port
EXPIRED_PORT=$expired_port
CHAIN_PORT=$chain_port
BULK_PORT=$bulk_port
CA_FILE=$dir/ca.pem
OTHER_CA_FILE=$dir/other_ca.pem
BOTH_CA_FILE=$dir/both_ca.pem
SELF_CERT=$dir/self.pem
EOF
mv "$dir/tls_peer.env.tmp" "$dir/tls_peer.env" || fail "cannot write $dir/tls_peer.env"
echo "tls_peer.sh: servers on 127.0.0.1 ports $ca_port (CA), $ca12_port (CA, TLS 1.2), $self_port (self-signed), $expired_port (expired), $chain_port (chain), $bulk_port (bulk)"
exit 0
