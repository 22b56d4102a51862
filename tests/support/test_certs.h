// test_certs.h - the throwaway CA and certificates of make_test_certs.sh
// (ca.pem, server.pem/.key, other-ca.pem, other.pem/.key, self.pem/.key,
// wrongname.pem/.key), made once per test process with the openssl command
// line in a fresh directory under the build tree. POSIX test hosts only.
#pragma once

#include <string>

// The directory holding them, made on first use; "" on failure, with
// openssl's messages in *err.
std::string test_certs_dir(std::string *err);
// The path of one of them ("ca.pem"); test_certs_dir() must have succeeded.
std::string test_cert(const std::string &file);
