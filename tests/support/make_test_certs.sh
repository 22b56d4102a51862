#!/bin/sh
# make_test_certs.sh OPENSSL DIR - throwaway certificates for the TLS tests,
# made at test time so that none is ever checked in or expires in the tree.
# All EC P-256 (fast to make), valid for two days:
#   ca.pem            "natter test CA"
#   server.pem/.key   localhost, 127.0.0.1 and ::1, signed by ca.pem
#   other-ca.pem      a second CA; other.pem/.key (localhost) is signed by it
#   self.pem/.key     self-signed, localhost and 127.0.0.1
#   wrongname.pem/.key  chat.example only, signed by ca.pem
#   encrypted.key     server.key under a pass phrase ("natter")
# Prints nothing on success; on failure, openssl's messages and exit 1.
set -eu
openssl="$1"
dir="$2"
mkdir -p "$dir"
cd "$dir"
log=make_test_certs.log
: >"$log"
newkey="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"

ca() { # name subject
  "$openssl" req -x509 $newkey -keyout "$1.key" -out "$1.pem" -days 2 -subj "/CN=$2" >>"$log" 2>&1
}
leaf() { # name ca subject-alt-names
  printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' "$3" >"$1.ext"
  "$openssl" req $newkey -keyout "$1.key" -out "$1.csr" -subj "/CN=natter test server" >>"$log" 2>&1
  "$openssl" x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial \
    -out "$1.pem" -days 2 -extfile "$1.ext" >>"$log" 2>&1
}

if ! {
  ca ca "natter test CA" &&
  ca other-ca "natter other test CA" &&
  leaf server ca "DNS:localhost,IP:127.0.0.1,IP:::1" &&
  leaf other other-ca "DNS:localhost,IP:127.0.0.1,IP:::1" &&
  leaf wrongname ca "DNS:chat.example" &&
  "$openssl" req -x509 $newkey -keyout self.key -out self.pem -days 2 -subj /CN=localhost \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" >>"$log" 2>&1 &&
  "$openssl" pkey -in server.key -aes256 -passout pass:natter -out encrypted.key >>"$log" 2>&1
}; then
  cat "$log"
  exit 1
fi
